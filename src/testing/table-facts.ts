/**
 * What the row generator needs to know of each table: its insertable columns with their affinity,
 * type hints, CHECK literals and whether their values must be distinct (keys, UNIQUE, unique indexes),
 * and an order that fills parents before the tables that reference them.
 */
import { externalContent } from '../engine/fts.ts';
import type { Table } from '../engine/schema.ts';
import { codeTokens, foldName, identifierName } from '../engine/tokens.ts';
import type { SqliteConnection } from '../sqlite/port.ts';
import { affinityOf, type ColumnFacts, typeHint } from './values.ts';

export interface TableFacts {
  table: Table;
  columns: ColumnFacts[];
}

export function fillable(table: Table): boolean {
  if (table.kind === 'table') return true;
  return /^using\s+fts[34]\b/i.test(table.module ?? '') && externalContent(table) === null;
}

export function factsOf(conn: SqliteConnection, table: Table): TableFacts {
  const distinct = new Set<string>();
  for (const set of table.uniques) for (const c of set) distinct.add(foldName(c));
  for (const index of conn.query('SELECT name FROM pragma_index_list(?) WHERE "unique" = 1', [table.name])) {
    for (const c of conn.query('SELECT name FROM pragma_index_info(?)', [String(index.name)])) {
      if (c.name !== null) distinct.add(foldName(String(c.name)));
    }
  }
  const keyColumns = table.columns.filter((c) => c.primaryKey > 0);
  const alias =
    !table.withoutRowid && keyColumns.length === 1 && keyColumns[0]!.type.toUpperCase() === 'INTEGER'
      ? foldName(keyColumns[0]!.name)
      : null;
  const checks = checkLiterals(table);
  const columns =
    table.kind === 'virtual'
      ? conn
          .query('SELECT name FROM pragma_table_info(?)', [table.name])
          .map((r) => String(r.name))
          .map((name) => facts(name, 'TEXT', false, false, false, null, []))
      : table.columns
          .filter((c) => !c.generated)
          .map((c) =>
            facts(
              c.name,
              c.type,
              table.strict,
              c.notNull || (c.primaryKey > 0 && (table.withoutRowid || table.strict)),
              c.primaryKey > 0 || distinct.has(foldName(c.name)),
              alias,
              checks.get(foldName(c.name)) ?? [],
            ),
          );
  return { table, columns };
}

function facts(
  name: string,
  type: string,
  strict: boolean,
  notNull: boolean,
  distinct: boolean,
  alias: string | null,
  literals: string[],
): ColumnFacts {
  const rowid = alias === foldName(name);
  const affinity = affinityOf(type, strict);
  return {
    name,
    type,
    affinity,
    hint: typeHint(type, affinity),
    strict,
    // A NULL in a primary key column is legal in a rowid table, and a trap for later: leave it out.
    notNull: notNull || distinct,
    distinct,
    rowid,
    checkLiterals: literals,
  };
}

/** The string and number literals each column's CHECK constraints mention. */
function checkLiterals(table: Table): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (column: string, literal: string) => {
    const list = found.get(column) ?? [];
    if (!list.includes(literal)) list.push(literal);
    found.set(column, list);
  };
  // Every literal of a CHECK counts for each column it mentions (or for its own column).
  const scan = (text: string, own: string | null) => {
    const tokens = codeTokens(text);
    const checkAt = tokens.findIndex((t) => foldName(identifierName(t)) === 'check');
    if (checkAt < 0) return;
    const body = tokens.slice(checkAt + 1);
    const names = new Set(
      body.filter((t) => t.kind === 'word' || t.kind === 'quoted').map((t) => foldName(identifierName(t))),
    );
    const literals = body.filter((t) => t.kind === 'string' || t.kind === 'number').map((t) => t.text);
    for (const column of table.columns) {
      const name = foldName(column.name);
      if (name === own || (own === null && names.has(name))) for (const l of literals) add(name, l);
    }
  };
  for (const column of table.columns) {
    if (/\bcheck\b/i.test(column.source))
      scan(column.source.slice(column.source.search(/\bcheck\b/i)), foldName(column.name));
  }
  for (const constraint of table.constraints) if (/^"?check\b/i.test(constraint)) scan(constraint, null);
  return found;
}

export function parentsFirst(tables: TableFacts[]): TableFacts[] {
  const done = new Set<string>();
  const ordered: TableFacts[] = [];
  const visit = (facts: TableFacts, path: Set<string>) => {
    const key = foldName(facts.table.name);
    if (done.has(key) || path.has(key)) return;
    path.add(key);
    for (const fk of facts.table.foreignKeys) {
      const parent = tables.find((t) => foldName(t.table.name) === foldName(fk.table));
      if (parent) visit(parent, path);
    }
    done.add(key);
    ordered.push(facts);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}
