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

/**
 * Splits SQL text into tokens, comments included (rename hints live in comments).
 * @example
 * tokenize('CREATE TABLE "t" (a) -- note').map((t) => t.kind);
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    let kind: TokenKind;
    let end: number;
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
      continue;
    } else if (c === 45 /* - */ && next === 45) {
      const nl = sql.indexOf('\n', i);
      kind = 'comment';
      end = nl === -1 ? n : nl;
    } else if (c === 47 /* / */ && next === 42 /* * */) {
      const close = sql.indexOf('*/', i + 2);
      kind = 'comment';
      end = close === -1 ? n : close + 2;
    } else if (c === 39 /* ' */) {
      kind = 'string';
      end = closeQuote(sql, i, "'");
    } else if (c === 34 /* " */ || c === 96 /* ` */) {
      kind = 'quoted';
      end = closeQuote(sql, i, sql[i]!);
    } else if (c === 91 /* [ */) {
      const close = sql.indexOf(']', i);
      kind = 'quoted';
      end = close === -1 ? n : close + 1;
    } else if ((c === 120 || c === 88) /* x X */ && next === 39) {
      kind = 'blob';
      end = closeQuote(sql, i + 1, "'");
    } else if (isDigit(c) || (c === 46 /* . */ && isDigit(next))) {
      kind = 'number';
      end = scanNumber(sql, i);
    } else if (isWordStart(c)) {
      kind = 'word';
      end = i + 1;
      while (end < n && isWordPart(sql.charCodeAt(end))) end++;
    } else if (c === 63 || c === 58 || c === 64 || c === 36 /* ? : @ $ */) {
      kind = 'variable';
      end = i + 1;
      while (end < n && isWordPart(sql.charCodeAt(end))) end++;
    } else {
      kind = 'punct';
      const two = sql.slice(i, i + 2);
      end = i + (TWO_CHAR.has(two) ? (two === '->' && sql[i + 2] === '>' ? 3 : 2) : 1);
    }
    tokens.push({ kind, text: sql.slice(i, end), start: i, end });
    i = end;
  }
  return tokens;
}

const TWO_CHAR = new Set(['||', '<=', '>=', '==', '!=', '<>', '<<', '>>', '->']);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 36;
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
  while (i < sql.length && (isDigit(sql.charCodeAt(i)) || sql[i] === '_' || sql[i] === '.')) i++;
  if (sql[i] === 'e' || sql[i] === 'E') {
    const sign = sql[i + 1] === '+' || sql[i + 1] === '-' ? 1 : 0;
    if (isDigit(sql.charCodeAt(i + 1 + sign))) {
      i += 1 + sign;
      while (i < sql.length && isDigit(sql.charCodeAt(i))) i++;
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
  // toLowerCase would also fold non-ASCII letters, which SQLite does not.
  return NON_ASCII.test(name) ? name.replace(/[A-Z]/g, (c) => c.toLowerCase()) : name.toLowerCase();
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Is this token the (case-insensitive) keyword? */
export function isWord(token: Token | undefined, word: string): boolean {
  // Keywords are ASCII, and the length check settles most tokens without building a string.
  return (
    token !== undefined &&
    token.kind === 'word' &&
    token.text.length === word.length &&
    token.text.toLowerCase() === word.toLowerCase()
  );
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

/** One statement of a script: its text and its tokens (offsets relative to the text). */
export interface ScriptStatement {
  text: string;
  tokens: Token[];
}

/**
 * Splits a script into statements on top-level semicolons, keeping a trigger's BEGIN … END body whole.
 * @example
 * splitStatements('CREATE TABLE a(x); CREATE TABLE b(y);').length === 2;
 */
export function splitStatements(sql: string): string[] {
  return splitScript(sql).map((s) => s.text);
}

/** Like splitStatements, with each statement's tokens. */
export function splitScript(sql: string): ScriptStatement[] {
  const tokens = tokenize(sql);
  const statements: ScriptStatement[] = [];
  let startIndex = 0;
  let codeCount = 0;
  let first: Token | undefined;
  // A trigger's body holds statements of its own; it ends at an END that starts a statement (after a
  // semicolon, outside parentheses). An END elsewhere closes a CASE or is a column called "end".
  let trigger: 'no' | 'header' | 'body' | 'done' = 'no';
  let depth = 0;
  let previous: Token | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'comment') continue;
    if (codeCount === 0) first = t;
    if (codeCount >= 1 && codeCount <= 3 && isWord(first, 'create') && isWord(t, 'trigger'))
      trigger = 'header';
    codeCount++;
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (trigger === 'header' && isWord(t, 'begin')) trigger = 'body';
    else if (trigger === 'body' && depth === 0 && isWord(t, 'end') && previous?.text === ';')
      trigger = 'done';
    previous = t;
    if (t.kind === 'punct' && t.text === ';' && (trigger === 'no' || trigger === 'done')) {
      pushStatement(sql, tokens, startIndex, i, statements);
      startIndex = i + 1;
      codeCount = 0;
      trigger = 'no';
      depth = 0;
    }
  }
  pushStatement(sql, tokens, startIndex, tokens.length, statements);
  return statements;
}

function pushStatement(sql: string, tokens: Token[], from: number, to: number, out: ScriptStatement[]): void {
  let part = tokens.slice(from, to);
  if (!part.some((t) => t.kind !== 'comment')) return;
  // Keep a comment on the statement's last line after the semicolon (a rename hint), not the ones
  // on lines of their own between statements.
  const trailing = tokens[to + 1];
  const last = part[part.length - 1]!;
  const eol = sql.indexOf('\n', last.end);
  if (trailing && trailing.kind === 'comment' && (eol === -1 || trailing.start < eol))
    part = [...part, trailing];
  while (part[0]!.kind === 'comment') part = part.slice(1);
  const start = part[0]!.start;
  const end = part[part.length - 1]!.end;
  out.push({
    text: sql.slice(start, end),
    tokens: part.map((t) => ({ ...t, start: t.start - start, end: t.end - start })),
  });
}
