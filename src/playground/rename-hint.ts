/**
 * "Add this hint" for a blocker of kind `possible-rename`: writes `-- @renamed from=old` beside the new
 * table or column in the target schema, on the object's line as molt's parser expects. When the line
 * holds more than that object, the block form `/* @renamed from=old *\/` goes right after its name.
 */
import type { Blocker } from '../client/index.ts';

interface Token {
  kind: 'word' | 'string' | 'comment' | 'punct' | 'space';
  text: string;
  start: number;
  end: number;
}

/**
 * The schema with the blocker's rename hint written in, or undefined when the object is not found.
 * @example
 * const next = addRenameHint(schema, blocker); // 'display_name TEXT -- @renamed from=name'
 */
export function addRenameHint(schema: string, blocker: Blocker): string | undefined {
  const hint = blocker.hint ?? '';
  const at = hint.lastIndexOf('@renamed from=');
  if (blocker.kind !== 'possible-rename' || at === -1) return undefined;
  const from = hint.slice(at + '@renamed from='.length).trim();
  const tokens = tokenize(schema);
  const tables = findTables(tokens);
  const anchors = new Set(tables.flatMap((t) => [t.nameAt, ...t.columns]));
  if (hint.startsWith('CREATE TABLE ')) {
    const name = hint.slice('CREATE TABLE '.length, hint.lastIndexOf(' ('));
    const table = tables.find((t) => same(t.name, name));
    return table ? insertHint(schema, tokens, anchors, table.nameAt, from) : undefined;
  }
  const tableName = blocker.object.slice(0, blocker.object.length - from.length - 1);
  const table = tables.find((t) => same(t.name, tableName));
  const column = table?.columns
    .filter((c) => hint.startsWith(`${identifier(tokens[c]!)} `))
    .sort((a, b) => identifier(tokens[b]!).length - identifier(tokens[a]!).length)[0];
  return column === undefined ? undefined : insertHint(schema, tokens, anchors, column, from);
}

/**
 * Writes the hint after the name token at `index`: at the end of its line when no other name, comment
 * or statement end follows on that line (the parser binds a hint to the last name before it on its
 * line), else as a block comment right after the name.
 */
function insertHint(
  schema: string,
  tokens: Token[],
  anchors: Set<number>,
  index: number,
  from: string,
): string {
  const name = tokens[index]!;
  const newline = schema.indexOf('\n', name.end);
  const lineEnd = newline === -1 ? schema.length : newline;
  const crowded = tokens.some(
    (t, i) =>
      t.start > name.end &&
      t.start < lineEnd &&
      (anchors.has(i) || t.kind === 'comment' || (t.kind === 'punct' && t.text === ';')),
  );
  const quoted = /^[A-Za-z_][A-Za-z0-9_]*$/.test(from) ? from : `"${from.replaceAll('"', '""')}"`;
  if (!crowded)
    return `${schema.slice(0, lineEnd).trimEnd()} -- @renamed from=${quoted}${schema.slice(lineEnd)}`;
  return `${schema.slice(0, name.end)} /* @renamed from=${quoted} */${schema.slice(name.end)}`;
}

interface TableAt {
  name: string;
  nameAt: number;
  /** Token indexes of the column names. */
  columns: number[];
}

function findTables(tokens: Token[]): TableAt[] {
  const tables: TableAt[] = [];
  const words = tokens
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t.kind !== 'space' && t.kind !== 'comment');
  for (let w = 0; w < words.length; w++) {
    if (!/^create$/i.test(words[w]!.t.text)) continue;
    let k = w + 1;
    if (/^temp(orary)?$/i.test(words[k]?.t.text ?? '')) k++;
    if (!/^table$/i.test(words[k]?.t.text ?? '')) continue;
    k++;
    if (/^if$/i.test(words[k]?.t.text ?? '')) k += 3;
    if (words[k + 1]?.t.text === '.') k += 2;
    const name = words[k];
    if (!name || words[k + 1]?.t.text !== '(') continue;
    tables.push({ name: identifier(name.t), nameAt: name.i, columns: columnsOf(words, k + 1) });
  }
  return tables;
}

function columnsOf(words: { t: Token; i: number }[], open: number): number[] {
  const columns: number[] = [];
  let depth = 0;
  let partStart = true;
  for (let k = open; k < words.length; k++) {
    const t = words[k]!.t;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth === 0) break;
    if (depth === 1 && t.text === ',') partStart = true;
    else if (depth === 1 && partStart && t.text !== '(') {
      partStart = false;
      if (!/^(constraint|primary|unique|check|foreign)$/i.test(t.text)) columns.push(words[k]!.i);
    }
  }
  return columns;
}

function identifier(token: Token): string {
  const { text } = token;
  if (/^["`]/.test(text)) return text.slice(1, -1).replaceAll(text[0]! + text[0]!, text[0]!);
  if (text.startsWith('[')) return text.slice(1, -1);
  return text;
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

const TOKEN =
  /(\s+)|(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?|[\p{L}\p{N}_$]+)|([\s\S])/gu;

/** SQL as tokens with their offsets: enough to find names, never to run anything. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  for (const m of sql.matchAll(TOKEN)) {
    const kind = m[1] ? 'space' : m[2] ? 'comment' : m[3] ? 'string' : m[4] ? 'word' : 'punct';
    tokens.push({ kind, text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}
