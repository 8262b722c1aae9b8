/**
 * Reads a database's schema into plain data, through pragmas and the normalised sqlite_schema text.
 * A handful of queries over table-valued pragmas cover every table at once, so inspecting a
 * 300-table schema costs milliseconds.
 */
import type { Row, SqliteConnection } from '../sqlite/port.ts';
import { canonicalClause, canonicalExpression, ROWID_NAMES, type Scope } from './expressions.ts';
import { readViewsAndTriggers } from './inspect-views.ts';
import { nameTokenIndex, parseCreateTable } from './parse.ts';
import {
  type Column,
  type ForeignKey,
  type Index,
  MOLT_TABLE_PREFIX,
  type Schema,
  type Table,
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
  const dependents: Row[] = [];
  for (const object of objects) {
    const name = String(object.name);
    const sql = object.sql === null ? null : String(object.sql);
    if (sql === null || internal(name)) continue;
    if (object.type !== 'table') {
      dependents.push(object);
      continue;
    }
    if (!isUserTable(object)) continue;
    tables.add(name);
    const reused = known.get(sql);
    if (reused) schema.tables.push({ ...reused, name });
    else if (virtual(sql)) schema.tables.push(readVirtualTable(conn, name, sql));
    else {
      const get = (map: Map<string, Row[]> | undefined) => map?.get(name) ?? [];
      schema.tables.push(
        readTable(name, sql, get(info?.columns), get(info?.foreignKeys), get(info?.uniques)),
      );
    }
  }
  // Indexes, views and triggers read their expressions with the columns of the tables they name.
  for (const object of dependents) {
    const table = String(object.tbl_name);
    if (object.type === 'index' && tables.has(table)) {
      const columns = findTable(schema, table)?.columns ?? [];
      schema.indexes.push(readIndex(String(object.name), table, String(object.sql), columnScope(columns)));
    }
  }
  readViewsAndTriggers(conn, schema, dependents);
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

/**
 * A virtual table is compared by its module and arguments; its columns, as the module declares them, are
 * read when the module is there (to copy a full-text table's rows into its new definition).
 */
function readVirtualTable(conn: SqliteConnection, name: string, sql: string): Table {
  let columns: Column[] = [];
  try {
    columns = conn
      .query('SELECT name, type, hidden FROM pragma_table_xinfo(?)', [name])
      .filter((c) => Number(c.hidden) === 0)
      .map((c) => ({
        name: String(c.name),
        type: String(c.type ?? ''),
        notNull: false,
        default: null,
        primaryKey: 0,
        generated: null,
        definition: '',
        source: '',
      }));
  } catch {
    // A module this build lacks (FTS5 in stock sql.js): the table is compared by its text alone.
  }
  return {
    name,
    kind: 'virtual',
    sql,
    columns,
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
  const scope = columnScope(infos.map((info) => ({ name: String(info.name) })));
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
      definition: def ? canonicalClause(def.rest, scope) : '',
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
    constraints: parsed.constraints.map((c) => canonicalClause(c, scope)),
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
function readIndex(name: string, table: string, sql: string, scope: Scope): Index {
  const tokens = codeTokens(sql);
  const at = nameTokenIndex(tokens);
  const unique = tokens.slice(0, at).some((t) => isWord(t, 'unique'));
  const after = canonicalExpression(tokens.slice(at + 1), scope);
  return { name, table, unique, sql, definition: unique ? `"unique" ${after}` : after };
}

/**
 * The names an expression over these columns may use: the columns, and the rowid.
 * @example
 * columnScope(table.columns).has('rowid') === true;
 */
export function columnScope(columns: readonly { name: string }[]): Scope {
  return new Set([...columns.map((c) => foldName(c.name)), ...ROWID_NAMES]);
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

export type { Index, Trigger, View } from './schema.ts';
