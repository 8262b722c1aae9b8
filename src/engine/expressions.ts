/**
 * Canonical text of the parts of a schema that hold expressions. There a double-quoted token is a name
 * only when it names something in scope: elsewhere SQLite reads it as a string literal
 * (https://sqlite.org/quirks.html#dblquote), so `CHECK (kind IN ("Income"))` compares the text 'Income',
 * and `"Income"` and `"income"` differ. A DEFAULT written as one word or quoted name is text too
 * (`DEFAULT Draft` stores 'Draft'). Names fold, literals keep their case, and so do the aliases that
 * name a view's result columns.
 */
import { closingParen } from './parse.ts';
import { canonicalToken, foldName, identifierName, isWord, type Token } from './tokens.ts';

/** Folded names a double-quoted token may stand for. */
export type Scope = ReadonlySet<string>;

/** The names that reach the rowid in any table. */
export const ROWID_NAMES = ['rowid', '_rowid_', 'oid'];

const DEFAULT_KEYWORDS = new Set([
  'null',
  'true',
  'false',
  'current_time',
  'current_date',
  'current_timestamp',
]);

export interface ExpressionOptions {
  /** Keep the case of the name after AS: it names a result column that code reads (views). */
  keepAliases?: boolean;
}

/**
 * The canonical text of an expression (or a statement's body) whose column names are `scope`.
 * @example
 * canonicalExpression(codeTokens('kind IN ("Income")'), new Set(['kind'])); // `"kind" "in" ( 'Income' )`
 */
export function canonicalExpression(
  tokens: readonly Token[],
  scope: Scope,
  options: ExpressionOptions = {},
): string {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'comment') continue;
    const previous = tokens[i - 1];
    const next = tokens[i + 1];
    if (options.keepAliases && isWord(previous, 'as') && (t.kind === 'word' || t.kind === 'quoted')) {
      out.push(next?.text === '(' ? canonicalToken(t) : exactName(t));
    } else if (t.kind === 'quoted' && t.text[0] === '"' && !namesSomething(t, previous, next, scope)) {
      out.push(literal(identifierName(t)));
    } else out.push(canonicalToken(t));
  }
  return out.join(' ');
}

/**
 * The canonical text of a column definition (after the name) or a table constraint: CHECK, generated
 * AS and DEFAULT expressions read with the table's columns in scope, a one-word DEFAULT as its text.
 * @example
 * canonicalClause(codeTokens('TEXT DEFAULT "Draft"'), columns); // `"text" "default" 'Draft'`
 */
export function canonicalClause(tokens: readonly Token[], scope: Scope): string {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'comment') continue;
    out.push(canonicalToken(t));
    const next = tokens[i + 1];
    if (!next) continue;
    const isDefault = isWord(t, 'default');
    if ((isDefault || isWord(t, 'check') || isWord(t, 'as')) && next.text === '(') {
      const close = closingParen(tokens, i + 1);
      // A DEFAULT expression sees no column (SQLite refuses one that names any).
      out.push(canonicalExpression(tokens.slice(i + 1, close + 1), isDefault ? new Set() : scope));
      i = close;
    } else if (isDefault) {
      out.push(defaultToken(next));
      i++;
    }
  }
  return out.join(' ');
}

/** A DEFAULT's single token: a word or a quoted name is the text it spells (parse.y: `DEFAULT id`). */
function defaultToken(token: Token): string {
  if (token.kind === 'quoted') return literal(identifierName(token));
  if (token.kind === 'word' && !DEFAULT_KEYWORDS.has(foldName(token.text))) return literal(token.text);
  return canonicalToken(token);
}

/** Whether a double-quoted token is a name here: qualified, called, a collation, or in scope. */
function namesSomething(token: Token, previous: Token | undefined, next: Token | undefined, scope: Scope) {
  if (next?.text === '(' || next?.text === '.' || previous?.text === '.') return true;
  if (isWord(previous, 'collate')) return true;
  return scope.has(foldName(identifierName(token)));
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A name with its case kept, quoted the way canonical names are. */
function exactName(token: Token): string {
  return `"${identifierName(token).replaceAll('"', '""')}"`;
}
