/**
 * Reads a database's schema into plain data, through pragmas and the normalised sqlite_schema text.
 * A handful of queries over table-valued pragmas cover every table at once, so inspecting a
 * 300-table schema costs milliseconds.
 */
import type { Row, SqliteConnection } from '../sqlite/port.ts';
import { definitionAfterName, nameTokenIndex, parseCreateTable } from './parse.ts';
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
import { canonicalText, codeTokens, foldName, isWord } from './tokens.ts';

export interface InspectOptions {
  /**
   * A schema inspected before (the other side of a diff): tables whose CREATE text is identical are
   * taken from it instead of asking SQLite again. Identical text means identical pragma answers.
   */
  known?: Schema;
}

/**
 * The user's schema: skips sqlite_* objects, shadow tables of virtual tables, and molt's own tables.
 * @example
 * const schema = inspectSchema(conn);
 * schema.tables.map((t) => t.name);
 */
export function inspectSchema(conn: SqliteConnection, options: InspectOptions = {}): Schema {
  const objects = conn.query('SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid');
  const virtual = (sql: string) => /^\s*create\s+virtual\b/i.test(sql);
  // Shadow tables exist only beside virtual tables; pragma_table_list is the one place that names them.
  const shadow = new Set<string>();
  if (objects.some((o) => o.type === 'table' && virtual(String(o.sql)))) {
    for (const row of conn.query(
      "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'",
    )) {
      shadow.add(String(row.name));
    }
  }
  const known = new Map((options.known?.tables ?? []).map((t) => [t.sql, t]));
  const isUserTable = (o: Row) =>
    o.type === 'table' && o.sql !== null && !internal(String(o.name)) && !shadow.has(String(o.name));
  const wanted = objects
    .filter((o) => isUserTable(o) && !virtual(String(o.sql)) && !known.has(String(o.sql)))
    .map((o) => String(o.name));
  const info = wanted.length > 0 ? readPragmas(conn, wanted) : undefined;

  const schema: Schema = { tables: [], indexes: [], views: [], triggers: [] };
  const tables = new Set<string>();
  for (const object of objects) {
    const name = String(object.name);
    const sql = object.sql === null ? null : String(object.sql);
    if (sql === null || internal(name)) continue;
    switch (object.type) {
      case 'table': {
        if (!isUserTable(object)) break;
        tables.add(name);
        const reused = known.get(sql);
        if (reused) schema.tables.push({ ...reused, name });
        else if (virtual(sql)) schema.tables.push(readVirtualTable(name, sql));
        else {
          const get = (map: Map<string, Row[]> | undefined) => map?.get(name) ?? [];
          schema.tables.push(
            readTable(name, sql, get(info?.columns), get(info?.foreignKeys), get(info?.uniques)),
          );
        }
        break;
      }
      case 'index':
        if (tables.has(String(object.tbl_name)))
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

/** Columns, foreign keys and unique constraints of the named tables, three queries for all of them. */
function readPragmas(conn: SqliteConnection, names: string[]) {
  const only = [JSON.stringify(names)];
  const from = `FROM main.sqlite_schema AS m`;
  const where = `WHERE m.type = 'table' AND m.name IN (SELECT value FROM json_each(?))`;
  return {
    columns: groupBy(
      conn.query(
        `SELECT m.name AS tbl, p.name, p.type, p."notnull" AS nn, p.dflt_value AS dflt, p.pk, p.hidden
         ${from} JOIN pragma_table_xinfo(m.name, 'main') AS p ${where} ORDER BY m.name, p.cid`,
        only,
      ),
    ),
    foreignKeys: groupBy(
      conn.query(
        `SELECT m.name AS tbl, p.id, p.seq, p."table" AS parent, p."from" AS col, p."to" AS ref,
                p.on_update, p.on_delete
         ${from} JOIN pragma_foreign_key_list(m.name, 'main') AS p ${where} ORDER BY m.name, p.id, p.seq`,
        only,
      ),
    ),
    uniques: groupBy(
      conn.query(
        `SELECT m.name AS tbl, il.name AS idx, ii.name AS col
         ${from} JOIN pragma_index_list(m.name, 'main') AS il JOIN pragma_index_info(il.name, 'main') AS ii
         ${where} AND il.origin IN ('pk', 'u') ORDER BY m.name, il.name, ii.seqno`,
        only,
      ),
    ),
  };
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

function readVirtualTable(name: string, sql: string): Table {
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
    module: canonicalText(parseCreateTable(sql).module ?? []),
  };
}

function readTable(name: string, sql: string, infos: Row[], fkRows: Row[], uniqueRows: Row[]): Table {
  const parsed = parseCreateTable(sql);
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
  // `STRICT, WITHOUT ROWID` and `WITHOUT ROWID, STRICT` are the same table.
  const options = canonicalText(parsed.options).split(' , ').sort().join(' , ');
  return {
    name,
    kind: 'table',
    sql,
    columns,
    constraints: parsed.constraints.map((c) => canonicalText(c)),
    options,
    withoutRowid: options.includes('"without" "rowid"'),
    strict: options.includes('"strict"'),
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

/**
 * An index's definition is what follows its name, plus UNIQUE, the one part of an index written
 * before its name (`CREATE UNIQUE INDEX IF NOT EXISTS "i" ON …`, comments anywhere in between).
 */
function readIndex(name: string, table: string, sql: string): Index {
  const tokens = codeTokens(sql);
  const at = nameTokenIndex(tokens);
  const unique = tokens.slice(0, at).some((t) => isWord(t, 'unique'));
  const after = canonicalText(tokens.slice(at + 1));
  return { name, table, unique, sql, definition: unique ? `"unique" ${after}` : after };
}

const tableIndex = new WeakMap<Schema, Map<string, Table>>();

/** Looks a table up by name the way SQLite does (ASCII case-insensitive). */
export function findTable(schema: Schema, name: string): Table | undefined {
  let index = tableIndex.get(schema);
  // A schema is complete once anyone looks things up in it; cache its names then.
  if (!index || index.size !== schema.tables.length) {
    index = new Map(schema.tables.map((t) => [foldName(t.name), t]));
    tableIndex.set(schema, index);
  }
  return index.get(foldName(name));
}

export type { Index, Trigger, View };
