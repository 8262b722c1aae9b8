/**
 * Full-text tables with external content (https://sqlite.org/fts3.html#_external_content_fts4_tables,
 * https://sqlite.org/fts5.html#external_content_tables) keep only an index; their rows live in the
 * content table. Recreating one loses nothing, but its index starts empty and must be rebuilt from
 * the content, or SQLite's integrity check reports it as malformed.
 */
import { closingParen, parseCreateTable, quoteId, splitTopLevel } from './parse.ts';
import type { Table } from './schema.ts';
import { identifierName, isWord } from './tokens.ts';

/**
 * The content table of an FTS3/4/5 table with external content, or null (an ordinary table, a
 * full-text table that stores its own rows, or a contentless one: `content=''`).
 * @example
 * externalContent(table); // 'notes' for USING fts4(content="notes", body)
 */
export function externalContent(table: Table): string | null {
  if (table.kind !== 'virtual') return null;
  const tokens = parseCreateTable(table.sql).module ?? [];
  // USING module ( arguments )
  const module = tokens[1] ? identifierName(tokens[1]).toLowerCase() : '';
  if (!/^fts[345]$/.test(module) || tokens[2]?.text !== '(') return null;
  for (const arg of splitTopLevel(tokens.slice(3, closingParen(tokens, 2)))) {
    if (arg.length === 3 && isWord(arg[0], 'content') && arg[1]!.text === '=') {
      return identifierName(arg[2]!) || null;
    }
  }
  return null;
}

/** The statement that refills an external-content index from its content table. */
export function rebuildIndexSql(table: Table): string {
  const name = quoteId(table.name);
  return `INSERT INTO ${name} (${name}) VALUES ('rebuild')`;
}
