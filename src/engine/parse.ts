/**
 * Just enough parsing of CREATE statements to compare them part by part. SQLite has already parsed
 * and accepted every statement we look at (it comes from sqlite_schema), so this only has to find the
 * boundaries: the object name, column definitions, table constraints and options.
 */
import { codeTokens, foldName, identifierName, isWord, sourceSlice, type Token, tokenize } from './tokens.ts';

/** Quotes an identifier for SQL. The only place molt builds an identifier. */
export function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface ParsedColumn {
  name: string;
  nameToken: Token;
  /** Tokens after the name. */
  rest: Token[];
  source: string;
}

export interface ParsedTable {
  nameToken: Token;
  columns: ParsedColumn[];
  constraints: Token[][];
  options: Token[];
  /** For CREATE VIRTUAL TABLE: the tokens from USING on. */
  module: Token[] | null;
}

const CONSTRAINT_START = ['constraint', 'primary', 'unique', 'check', 'foreign'];

/** Index of the object name in a CREATE statement's code tokens. */
export function nameTokenIndex(tokens: readonly Token[]): number {
  let i = 1; // after CREATE
  while (i < tokens.length && /^(temp|temporary|unique|virtual)$/i.test(tokens[i]!.text)) i++;
  i++; // TABLE | INDEX | VIEW | TRIGGER
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')) i += 3;
  if (tokens[i + 1]?.text === '.') i += 2;
  return i;
}

/**
 * Returns the CREATE statement with its object renamed (and any schema prefix dropped).
 * @example
 * renameInCreate('CREATE TABLE t (a)', '_molt_new_t') === 'CREATE TABLE "_molt_new_t" (a)';
 */
export function renameInCreate(sql: string, newName: string): string {
  const tokens = codeTokens(sql);
  const at = nameTokenIndex(tokens);
  const name = tokens[at]!;
  const prefixed = tokens[at - 1]?.text === '.';
  const start = prefixed ? tokens[at - 2]!.start : name.start;
  return sql.slice(0, start) + quoteId(newName) + sql.slice(name.end);
}

/** Splits tokens on commas at parenthesis depth zero. */
export function splitTopLevel(tokens: readonly Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (depth === 0 && t.text === ',') parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts.filter((p) => p.length > 0);
}

/** Index of the parenthesis that closes the one at `open`. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  return tokens.length;
}

/**
 * Parses a CREATE [VIRTUAL] TABLE statement as stored by SQLite.
 * @example
 * parseCreateTable('CREATE TABLE t (a INT, CHECK (a > 0)) STRICT').columns[0]?.name === 'a';
 */
export function parseCreateTable(sql: string): ParsedTable {
  const all = tokenize(sql);
  const tokens = all.filter((t) => t.kind !== 'comment');
  const at = nameTokenIndex(tokens);
  const nameToken = tokens[at]!;
  if (isWord(tokens[at + 1], 'using')) {
    return { nameToken, columns: [], constraints: [], options: [], module: tokens.slice(at + 1) };
  }
  const open = at + 1;
  const close = closingParen(tokens, open);
  const columns: ParsedColumn[] = [];
  const constraints: Token[][] = [];
  for (const part of splitTopLevel(tokens.slice(open + 1, close))) {
    const first = part[0]!;
    if (first.kind === 'word' && CONSTRAINT_START.some((k) => isWord(first, k))) {
      constraints.push(part);
    } else {
      columns.push({
        name: identifierName(first),
        nameToken: first,
        rest: part.slice(1),
        source: sourceOf(sql, all, part),
      });
    }
  }
  return { nameToken, columns, constraints, options: tokens.slice(close + 1), module: null };
}

function sourceOf(sql: string, all: readonly Token[], part: Token[]): string {
  const from = part[0]!.start;
  const to = part[part.length - 1]!.end;
  return sourceSlice(
    sql,
    all.filter((t) => t.start >= from && t.end <= to),
  );
}

/** Does any token of `sql` name one of `names` (folded)? Used to find dependent views and triggers. */
export function mentionsAny(sql: string, folded: ReadonlySet<string>): boolean {
  for (const t of codeTokens(sql)) {
    if (
      (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string') &&
      folded.has(foldName(identifierName(t)))
    ) {
      return true;
    }
  }
  return false;
}
