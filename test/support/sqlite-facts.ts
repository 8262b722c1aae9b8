/**
 * An oracle that owes nothing to the engine: what SQLite itself reports about a schema (its pragmas,
 * the value each DEFAULT gives, the result columns of each view) and whether a database's rows fit a
 * schema (copied into a fresh database built from that schema's SQL). A planner that misreads a change
 * as none (UNIQUE lost on an index, a literal folded like a name) leaves facts that differ from the
 * pristine target's, or rows that the target refuses.
 */
import type { SqliteConnection, SqlJsStatic } from '../../src/sqlite/index.ts';
import { openSqlJs } from '../../src/sqlite/index.ts';
import { fold, quoteName } from './rows.ts';

/** Everything SQLite says about the user's tables, indexes, views and triggers, in a stable order. */
export interface SchemaFacts {
  tables: Record<string, unknown>;
  views: Record<string, string[] | string>;
  triggers: string[];
}

const USER = "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_molt\\_%' ESCAPE '\\'";

/**
 * Reads the facts of a database; `probe` is a scratch database where DEFAULT expressions are evaluated.
 * @example
 * expect(schemaFacts(result, probe)).toEqual(schemaFacts(pristine, probe));
 */
export function schemaFacts(conn: SqliteConnection, probe: SqliteConnection): SchemaFacts {
  const shadow = new Set(
    conn.query("SELECT name FROM pragma_table_list WHERE type = 'shadow'").map((r) => String(r.name)),
  );
  const objects = conn
    .query(`SELECT type, name, sql FROM sqlite_schema WHERE ${USER} ORDER BY name`)
    .filter((o) => !shadow.has(String(o.name)));
  const facts: SchemaFacts = { tables: {}, views: {}, triggers: [] };
  for (const o of objects) {
    const name = String(o.name);
    if (o.type === 'table') facts.tables[fold(name)] = tableFacts(conn, probe, name, String(o.sql));
    else if (o.type === 'view') facts.views[fold(name)] = viewColumns(conn, name);
    else if (o.type === 'trigger') facts.triggers.push(fold(name));
  }
  facts.triggers.sort();
  return facts;
}

function tableFacts(conn: SqliteConnection, probe: SqliteConnection, name: string, sql: string) {
  if (/^\s*create\s+virtual\b/i.test(sql)) return { virtual: true, columns: viewColumns(conn, name) };
  const columns = conn
    .query('SELECT name, type, "notnull" AS nn, dflt_value AS d, pk, hidden FROM pragma_table_xinfo(?)', [
      name,
    ])
    .map((c) => ({
      name: String(c.name),
      type: fold(String(c.type)),
      notNull: Number(c.nn),
      default: c.d === null ? null : defaultValue(probe, String(c.d)),
      pk: Number(c.pk),
      hidden: Number(c.hidden),
    }));
  const indexes = conn
    .query('SELECT name, "unique" AS u, origin, partial FROM pragma_index_list(?)', [name])
    .map((i) => {
      const keys = conn
        .query('SELECT name, "desc" AS d, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno', [
          String(i.name),
        ])
        .map((k) => `${k.name === null ? '<expr>' : fold(String(k.name))} ${k.d} ${fold(String(k.coll))}`);
      // Automatic indexes are named by position; what they cover is what counts.
      const label = i.origin === 'c' ? fold(String(i.name)) : String(i.origin);
      return `${label} unique=${i.u} partial=${i.partial} (${keys.join(', ')})`;
    })
    .sort();
  const foreignKeys = conn
    .query(
      'SELECT "table" AS t, "from" AS f, "to" AS k, on_update, on_delete FROM pragma_foreign_key_list(?)',
      [name],
    )
    .map(
      (f) =>
        `${fold(String(f.f))} -> ${fold(String(f.t))}.${f.k === null ? '' : fold(String(f.k))} ${f.on_update} ${f.on_delete}`,
    )
    .sort();
  return { columns, indexes, foreignKeys };
}

/** The value a DEFAULT gives a new row, as `quote()` text; non-constant defaults as their text. */
function defaultValue(probe: SqliteConnection, expression: string): string {
  if (/^current_(time|date|timestamp)$/i.test(expression.trim())) return fold(expression.trim());
  try {
    probe.exec('DROP TABLE IF EXISTS _facts_default');
    probe.exec(`CREATE TABLE _facts_default (x DEFAULT ${expression})`);
    probe.exec('INSERT INTO _facts_default DEFAULT VALUES');
    return String(probe.query('SELECT quote(x) AS v FROM _facts_default')[0]!.v);
  } catch (error) {
    return `<${expression}: ${error instanceof Error ? error.message : String(error)}>`;
  }
}

/** The names of a view's result columns as code reads them (exact case), or why SQLite cannot read it. */
function viewColumns(conn: SqliteConnection, name: string): string[] | string {
  try {
    return conn.query('SELECT name FROM pragma_table_xinfo(?)', [name]).map((r) => String(r.name));
  } catch (error) {
    return `broken: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Copies every row of `conn`'s tables into a fresh database built from `schemaSql` and lists what the
 * fresh database refused: a CHECK, NOT NULL, UNIQUE or STRICT type the rows break, a foreign key with
 * no parent. Empty when the rows fit the schema as SQLite enforces it.
 * @example
 * expect(rowsFitSchema(sqlite, desiredSql, conn)).toEqual([]);
 */
export function rowsFitSchema(sqlite: SqlJsStatic, schemaSql: string, conn: SqliteConnection): string[] {
  const fresh = openSqlJs(sqlite);
  const problems: string[] = [];
  try {
    fresh.exec(schemaSql);
    const tables = conn.query(
      `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND ${USER}`,
    );
    for (const { name } of tables) {
      const table = String(name);
      const columns = conn
        .query('SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0', [table])
        .map((c) => quoteName(String(c.name)));
      if (columns.length === 0) continue;
      const values = columns.map((c) => `quote(${c})`).join(` || ', ' || `);
      for (const row of conn.query(`SELECT ${values} AS v FROM ${quoteName(table)}`)) {
        try {
          fresh.exec(`INSERT INTO ${quoteName(table)} (${columns.join(', ')}) VALUES (${String(row.v)})`);
        } catch (error) {
          problems.push(
            `${table} (${String(row.v)}): ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
    for (const row of fresh.query('PRAGMA foreign_key_check')) {
      problems.push(`${String(row.table)} row ${String(row.rowid)}: no parent in ${String(row.parent)}`);
    }
  } finally {
    fresh.close();
  }
  return problems;
}
