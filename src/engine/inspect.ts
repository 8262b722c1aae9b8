/**
 * Reads a database's schema into plain data, through pragmas and the normalised sqlite_schema text.
 * A handful of queries over table-valued pragmas cover every table at once, so inspecting a
 * 300-table schema costs milliseconds.
 */
import type { Row, SqliteConnection } from '../sqlite/port.ts';
import { definitionAfterName, parseCreateTable } from './parse.ts';
import {
  type Column,
  type ForeignKey,
  type Index,
  MOLT_TABLE_PREFIX,
  type Schema,
  type Table,
  type Trigger,
  type View,
} from './schema.ts';
import { canonicalText, foldName, isWord } from './tokens.ts';

/**
 * The user's schema: skips sqlite_* objects, shadow tables of virtual tables, and molt's own tables.
 * @example
 * const schema = inspectSchema(conn);
 * schema.tables.map((t) => t.name);
 */
export function inspectSchema(conn: SqliteConnection): Schema {
  const kinds = new Map<string, Row>();
  for (const row of conn.query(
    "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'",
  )) {
    kinds.set(String(row.name), row);
  }
  const objects = conn.query('SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid');
  const userTable = (name: string) => {
    const kind = kinds.get(name);
    return kind !== undefined && (kind.type === 'table' || kind.type === 'virtual') && !internal(name);
  };
  const columns = groupBy(
    conn.query(
      `SELECT m.name AS tbl, p.name, p.type, p."notnull" AS nn, p.dflt_value AS dflt, p.pk, p.hidden
       FROM main.sqlite_schema AS m JOIN pragma_table_xinfo(m.name, 'main') AS p
       WHERE m.type = 'table' ORDER BY m.name, p.cid`,
    ),
  );
  const foreignKeys = groupBy(
    conn.query(
      `SELECT m.name AS tbl, p.id, p.seq, p."table" AS parent, p."from" AS col, p."to" AS ref,
              p.on_update, p.on_delete
       FROM main.sqlite_schema AS m JOIN pragma_foreign_key_list(m.name, 'main') AS p
       WHERE m.type = 'table' ORDER BY m.name, p.id, p.seq`,
    ),
  );
  const uniques = groupBy(
    conn.query(
      `SELECT m.name AS tbl, il.name AS idx, ii.name AS col
       FROM main.sqlite_schema AS m JOIN pragma_index_list(m.name, 'main') AS il
       JOIN pragma_index_info(il.name, 'main') AS ii
       WHERE m.type = 'table' AND il.origin IN ('pk', 'u') ORDER BY m.name, il.name, ii.seqno`,
    ),
  );

  const schema: Schema = { tables: [], indexes: [], views: [], triggers: [] };
  for (const object of objects) {
    const name = String(object.name);
    const sql = object.sql === null ? null : String(object.sql);
    if (sql === null || internal(name)) continue;
    switch (object.type) {
      case 'table':
        if (userTable(name)) {
          const kind = kinds.get(name)!;
          schema.tables.push(
            readTable(
              name,
              sql,
              kind,
              columns.get(name) ?? [],
              foreignKeys.get(name) ?? [],
              uniques.get(name) ?? [],
            ),
          );
        }
        break;
      case 'index':
        if (userTable(String(object.tbl_name)))
          schema.indexes.push(readIndex(name, String(object.tbl_name), sql));
        break;
      case 'view':
        schema.views.push({ name, sql, definition: definitionAfterName(sql) });
        break;
      case 'trigger':
        schema.triggers.push({
          name,
          table: String(object.tbl_name),
          sql,
          definition: definitionAfterName(sql),
        });
        break;
    }
  }
  return schema;
}

function internal(name: string): boolean {
  const folded = foldName(name);
  return folded.startsWith('sqlite_') || folded.startsWith(MOLT_TABLE_PREFIX);
}

function groupBy(rows: Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = String(row.tbl);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

function readTable(
  name: string,
  sql: string,
  kind: Row,
  infos: Row[],
  fkRows: Row[],
  uniqueRows: Row[],
): Table {
  const parsed = parseCreateTable(sql);
  if (kind.type === 'virtual') {
    return {
      name,
      kind: 'virtual',
      sql,
      columns: [],
      constraints: [],
      options: '',
      withoutRowid: false,
      strict: false,
      autoincrement: false,
      foreignKeys: [],
      uniques: [],
      module: canonicalText(parsed.module ?? []),
    };
  }
  // table_xinfo lists columns in declaration order, as the CREATE text does.
  const columns: Column[] = infos.map((info, i) => {
    const def = parsed.columns[i];
    const hidden = Number(info.hidden);
    return {
      name: String(info.name),
      type: String(info.type ?? ''),
      notNull: Number(info.nn) === 1,
      default: info.dflt === null ? null : String(info.dflt),
      primaryKey: Number(info.pk),
      generated: hidden === 2 ? 'virtual' : hidden === 3 ? 'stored' : null,
      definition: def ? canonicalText(def.rest) : '',
      source: def ? def.source : '',
    };
  });
  return {
    name,
    kind: 'table',
    sql,
    columns,
    constraints: parsed.constraints.map((c) => canonicalText(c)),
    options: canonicalText(parsed.options),
    withoutRowid: Number(kind.wr) === 1,
    strict: Number(kind.strict) === 1,
    autoincrement: parsed.columns.some((c) => c.rest.some((t) => isWord(t, 'autoincrement'))),
    foreignKeys: readForeignKeys(fkRows),
    uniques: readUniques(uniqueRows),
    module: null,
  };
}

function readForeignKeys(rows: Row[]): ForeignKey[] {
  const byId = new Map<number, ForeignKey>();
  for (const row of rows) {
    const id = Number(row.id);
    let fk = byId.get(id);
    if (!fk) {
      fk = {
        columns: [],
        table: String(row.parent),
        references: [],
        onUpdate: String(row.on_update),
        onDelete: String(row.on_delete),
      };
      byId.set(id, fk);
    }
    fk.columns.push(String(row.col));
    if (row.ref !== null) fk.references.push(String(row.ref));
  }
  return [...byId.values()];
}

function readUniques(rows: Row[]): string[][] {
  const byIndex = new Map<string, string[]>();
  for (const row of rows) {
    const key = String(row.idx);
    const cols = byIndex.get(key) ?? [];
    cols.push(String(row.col));
    byIndex.set(key, cols);
  }
  return [...byIndex.values()];
}

function readIndex(name: string, table: string, sql: string): Index {
  return {
    name,
    table,
    unique: /^\s*create\s+unique\b/i.test(sql),
    sql,
    definition: definitionAfterName(sql),
  };
}

/** Looks a table up by name the way SQLite does (ASCII case-insensitive). */
export function findTable(schema: Schema, name: string): Table | undefined {
  const folded = foldName(name);
  return schema.tables.find((t) => foldName(t.name) === folded);
}

export type { Index, Trigger, View };
