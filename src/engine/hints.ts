/**
 * Rename hints in the desired schema's comments, the way sqldef writes them: `-- @renamed from=old` or
 * `/* @renamed from=old *\/` on the line of the table, column or index that was renamed.
 */
import type { Renames } from './desired.ts';
import { closingParen, nameTokenIndex, splitTopLevel } from './parse.ts';
import { identifierName, isWord, type ScriptStatement, type Token, tokenize } from './tokens.ts';

const HINT = /@(renamed?)\s+from\s*=\s*("(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|'(?:[^']|'')*'|[^\s*]+)/i;

interface Anchor {
  kind: 'table' | 'index' | 'column';
  /** For a table: where its column list ends; a hint after it belongs to the table. */
  end?: number;
  name: string;
  table: string;
  token: Token;
}

/** Finds `@renamed from=old` hints and the table, column or index each one sits beside. */
export function parseRenameHints(statements: readonly ScriptStatement[]): {
  renames: Required<Renames>;
  deprecated: number;
} {
  const renames: Required<Renames> = { tables: {}, columns: {}, indexes: {} };
  let deprecated = 0;
  for (const { text: statement, tokens: all } of statements) {
    if (!statement.includes('@rename')) continue;
    const comments = all.filter((t) => t.kind === 'comment' && HINT.test(t.text));
    if (comments.length === 0) continue;
    const anchors = findAnchors(all.filter((t) => t.kind !== 'comment'));
    for (const comment of comments) {
      const match = HINT.exec(comment.text)!;
      if (match[1]!.toLowerCase() === 'rename') deprecated++;
      const from = identifierName(tokenize(match[2]!)[0]!);
      const anchor = anchorFor(statement, anchors, comment);
      if (!anchor) continue;
      if (anchor.kind === 'table') renames.tables[from] = anchor.name;
      else if (anchor.kind === 'index') renames.indexes[from] = anchor.name;
      else renames.columns[`${anchor.table}.${from}`] = anchor.name;
    }
  }
  return { renames, deprecated };
}

function findAnchors(tokens: Token[]): Anchor[] {
  const at = nameTokenIndex(tokens);
  const nameToken = tokens[at];
  if (!nameToken) return [];
  const name = identifierName(nameToken);
  const isIndex = tokens.slice(0, at).some((t) => isWord(t, 'index'));
  const isTable = tokens.slice(0, at).some((t) => isWord(t, 'table'));
  if (isIndex) return [{ kind: 'index', name, table: '', token: nameToken }];
  if (!isTable) return [];
  const anchors: Anchor[] = [{ kind: 'table', name, table: name, token: nameToken }];
  if (tokens[at + 1]?.text !== '(') return anchors;
  const close = closingParen(tokens, at + 1);
  anchors[0]!.end = tokens[close]?.start ?? Number.POSITIVE_INFINITY;
  for (const part of splitTopLevel(tokens.slice(at + 2, close))) {
    const first = part[0]!;
    if (first.kind === 'word' && /^(constraint|primary|unique|check|foreign)$/i.test(first.text)) continue;
    anchors.push({ kind: 'column', name: identifierName(first), table: name, token: first });
  }
  return anchors;
}

/** The anchor on the comment's line: the last one before it, else the first one after it. */
function anchorFor(source: string, anchors: Anchor[], comment: Token): Anchor | undefined {
  const table = anchors[0];
  if (table?.kind === 'table' && table.end !== undefined && comment.start > table.end) return table;
  const line = lineOf(source, comment.start);
  const sameLine = anchors.filter((a) => lineOf(source, a.token.start) === line);
  const before = sameLine.filter((a) => a.token.start < comment.start);
  return before[before.length - 1] ?? sameLine[0];
}

function lineOf(source: string, offset: number): number {
  let line = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) line++;
  return line;
}
