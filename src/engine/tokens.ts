/**
 * A tokenizer for SQLite's SQL. Schema comparison works on tokens, so that comments, whitespace,
 * keyword case and identifier quoting never count as changes (https://sqlite.org/lang_keywords.html).
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'blob' | 'variable' | 'punct' | 'comment';

export interface Token {
  kind: TokenKind;
  /** The token exactly as written. */
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;

/**
 * Splits SQL text into tokens, comments included (rename hints live in comments).
 * @example
 * tokenize('CREATE TABLE "t" (a) -- note').map((t) => t.kind);
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end), start: i, end });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      push('comment', nl === -1 ? sql.length : nl);
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      push('comment', close === -1 ? sql.length : close + 2);
    } else if (c === "'") {
      push('string', closeQuote(sql, i, "'"));
    } else if (c === '"' || c === '`') {
      push('quoted', closeQuote(sql, i, c));
    } else if (c === '[') {
      const close = sql.indexOf(']', i);
      push('quoted', close === -1 ? sql.length : close + 1);
    } else if ((c === 'x' || c === 'X') && next === "'") {
      i++;
      const end = closeQuote(sql, i, "'");
      i--;
      push('blob', end);
    } else if (DIGIT.test(c) || (c === '.' && next !== undefined && DIGIT.test(next))) {
      push('number', scanNumber(sql, i));
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      push('word', end);
    } else if (c === '?' || c === ':' || c === '@' || c === '$') {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      push('variable', end);
    } else {
      const two = sql.slice(i, i + 2);
      const op = ['||', '<=', '>=', '==', '!=', '<>', '<<', '>>', '->'].includes(two) ? two : c;
      push('punct', i + (op === '->' && sql[i + 2] === '>' ? 3 : op.length));
    }
  }
  return tokens;
}

function closeQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function scanNumber(sql: string, start: number): number {
  let i = start;
  if (sql[i] === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
    i += 2;
    while (i < sql.length && /[0-9a-fA-F_]/.test(sql[i]!)) i++;
    return i;
  }
  while (i < sql.length && /[0-9_.]/.test(sql[i]!)) i++;
  if (sql[i] === 'e' || sql[i] === 'E') {
    const sign = sql[i + 1] === '+' || sql[i + 1] === '-' ? 1 : 0;
    if (DIGIT.test(sql[i + 1 + sign] ?? '')) {
      i += 1 + sign;
      while (i < sql.length && DIGIT.test(sql[i]!)) i++;
    }
  }
  return i;
}

/** Tokens without comments: what SQLite itself sees. */
export function codeTokens(sql: string): Token[] {
  return tokenize(sql).filter((t) => t.kind !== 'comment');
}

/** The name an identifier token stands for, quotes removed. */
export function identifierName(token: Token): string {
  const t = token.text;
  if (token.kind === 'quoted') {
    if (t[0] === '[') return t.slice(1, -1);
    const q = t[0]!;
    return t
      .slice(1, -1)
      .split(q + q)
      .join(q);
  }
  if (token.kind === 'string') return t.slice(1, -1).split("''").join("'");
  return t;
}

/**
 * SQLite compares identifiers case-insensitively for ASCII letters only.
 * @example
 * foldName('Users') === foldName('USERS');
 */
export function foldName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Is this token the (case-insensitive) keyword? */
export function isWord(token: Token | undefined, word: string): boolean {
  return token !== undefined && token.kind === 'word' && foldName(token.text) === foldName(word);
}

/**
 * A canonical text for a token: identifiers and keywords folded and unquoted, literals kept exact.
 * Two statements that differ only in comments, whitespace, keyword case or quoting canonicalise alike.
 */
export function canonicalToken(token: Token): string {
  switch (token.kind) {
    case 'word':
    case 'quoted':
      return `"${foldName(identifierName(token)).replaceAll('"', '""')}"`;
    case 'blob':
      return token.text.toLowerCase();
    case 'string':
    case 'number':
    case 'variable':
    case 'punct':
    case 'comment':
      return token.text;
    default: {
      const never: never = token.kind;
      return never;
    }
  }
}

/** The canonical text of a token list (comments dropped). */
export function canonicalText(tokens: readonly Token[]): string {
  return tokens
    .filter((t) => t.kind !== 'comment')
    .map(canonicalToken)
    .join(' ');
}

/** The canonical text of SQL source. */
export function canonicalSql(sql: string): string {
  return canonicalText(tokenize(sql));
}

/**
 * The source between two tokens with comments blanked out, for reuse in generated SQL: a trailing
 * `-- comment` would otherwise swallow whatever molt appends after it.
 */
export function sourceSlice(sql: string, tokens: readonly Token[]): string {
  if (tokens.length === 0) return '';
  const first = tokens[0]!;
  const last = tokens[tokens.length - 1]!;
  let text = '';
  let at = first.start;
  for (const t of tokens) {
    if (t.kind !== 'comment') continue;
    text += sql.slice(at, t.start) + ' ';
    at = t.end;
  }
  text += sql.slice(at, last.end);
  return text.trim();
}

/**
 * Splits a script into statements on top-level semicolons, keeping a trigger's BEGIN … END body whole.
 * @example
 * splitStatements('CREATE TABLE a(x); CREATE TABLE b(y);').length === 2;
 */
export function splitStatements(sql: string): string[] {
  const tokens = tokenize(sql);
  const statements: string[] = [];
  let startIndex = 0;
  let inTrigger = false;
  let bodyDepth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'comment') continue;
    const code = tokens.slice(startIndex, i).filter((x) => x.kind !== 'comment');
    if (code.length <= 3 && isWord(t, 'trigger') && code.length >= 1 && isWord(code[0], 'create')) {
      inTrigger = true;
    }
    if (inTrigger && (isWord(t, 'begin') || isWord(t, 'case'))) bodyDepth++;
    if (inTrigger && isWord(t, 'end') && bodyDepth > 0) bodyDepth--;
    if (t.kind === 'punct' && t.text === ';' && (!inTrigger || bodyDepth === 0)) {
      pushStatement(sql, tokens, startIndex, i, statements);
      startIndex = i + 1;
      inTrigger = false;
      bodyDepth = 0;
    }
  }
  pushStatement(sql, tokens, startIndex, tokens.length, statements);
  return statements;
}

function pushStatement(sql: string, tokens: Token[], from: number, to: number, out: string[]): void {
  const part = tokens.slice(from, to);
  if (!part.some((t) => t.kind !== 'comment')) return;
  // Keep comments that sit on the statement's lines (rename hints), not the ones between statements.
  const first = part[0]!;
  const last = part[part.length - 1]!;
  const tail = sql.indexOf('\n', last.end);
  const trailing = tokens[to + 1];
  let end = last.end;
  if (trailing && trailing.kind === 'comment' && (tail === -1 || trailing.start < tail)) end = trailing.end;
  out.push(sql.slice(first.start, end).trim());
}
