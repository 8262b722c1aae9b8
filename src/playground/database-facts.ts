/**
 * What the page reads from the database, all through `db.query` like any app would: the tables and
 * their row counts, a page of rows, the schema as CREATE statements, the ledger.
 */
import type { Database } from '../client/index.ts';
import { quoteId } from './format.ts';

export interface TableInfo {
  name: string;
  type: 'table' | 'view';
  rows: number;
}

/** The app's own tables and views (not SQLite's, not molt's ledger, not virtual tables' shadows). */
const APP_OBJECTS = `
  SELECT s.name AS name, s.type AS type FROM sqlite_schema AS s
  WHERE s.type IN ('table', 'view') AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND s.name NOT LIKE '\\_molt\\_%' ESCAPE '\\'
    AND s.name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')`;

/**
 * The tables and views with their row counts, tables first.
 * @example
 * for (const t of await listTables(db)) console.log(t.name, t.rows);
 */
export async function listTables(db: Database): Promise<TableInfo[]> {
  const objects = await db.query<{ name: string; type: 'table' | 'view' }>(
    `${APP_OBJECTS} ORDER BY s.type, s.name`,
  );
  const tables: TableInfo[] = [];
  for (const o of objects) {
    const [row] = await db
      .query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteId(o.name)}`)
      .catch(() => [{ n: -1 }]);
    tables.push({ name: o.name, type: o.type, rows: Number(row?.n ?? 0) });
  }
  return tables;
}

/**
 * Every table and view with its column names, for the query editor's completions.
 * @example
 * query.setSchema(await listColumns(db)); // { todos: ['id', 'title', …], … }
 */
export async function listColumns(db: Database): Promise<Record<string, string[]>> {
  const rows = await db.query<{ t: string; c: string }>(
    `SELECT o.name AS t, i.name AS c FROM (${APP_OBJECTS}) AS o, pragma_table_info(o.name) AS i ORDER BY o.name, i.cid`,
  );
  const columns: Record<string, string[]> = {};
  for (const row of rows) columns[row.t] = [...(columns[row.t] ?? []), row.c];
  return columns;
}

export interface Page {
  columns: string[];
  rows: Record<string, unknown>[];
  total: number;
  offset: number;
}

/**
 * One page of a table's rows, in the table's own order.
 * @example
 * const page = await readPage(db, 'todos', 0, 20);
 */
export async function readPage(db: Database, table: string, offset: number, size: number): Promise<Page> {
  const [count] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteId(table)}`);
  const rows = await db.query(`SELECT * FROM ${quoteId(table)} LIMIT ? OFFSET ?`, [size, offset]);
  // An empty table still has columns: ask for them rather than showing a headless grid.
  const columns = rows[0]
    ? Object.keys(rows[0])
    : (await db.query<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table])).map((c) => c.name);
  return { columns, rows, total: Number(count?.n ?? 0), offset };
}

/**
 * The schema as CREATE statements, in an order that can run again: tables, then indexes, views and
 * triggers, each in creation order.
 * @example
 * target.set(await extractSchema(db));
 */
export async function extractSchema(db: Database): Promise<string> {
  const rows = await db.query<{ sql: string }>(`
    SELECT s.sql AS sql FROM sqlite_schema AS s
    WHERE s.sql IS NOT NULL AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND s.name NOT LIKE '\\_molt\\_%' ESCAPE '\\'
      AND s.name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')
    ORDER BY CASE s.type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, s.rowid`);
  return rows.map((r) => `${r.sql.trim()};\n`).join('\n');
}

/** The rows of molt's ledger, or undefined when the database has none. */
export async function readLedger(db: Database): Promise<Record<string, unknown>[] | undefined> {
  const [exists] = await db.query("SELECT 1 AS x FROM sqlite_schema WHERE name = '_molt_migrations'");
  return exists ? db.query('SELECT * FROM _molt_migrations ORDER BY id') : undefined;
}

export async function readUserVersion(db: Database): Promise<number> {
  const [row] = await db.query<{ user_version: number }>('PRAGMA user_version');
  return Number(row?.user_version ?? 0);
}

export interface QueryOutcome {
  rows: Record<string, unknown>[];
  /** True when the statement changed rows or the schema (the page then saves a snapshot). */
  changed: boolean;
  changes: number;
}

/**
 * Runs one statement from the query box. Whether it wrote anything is read from SQLite's own
 * counters (`total_changes()`, `schema_version`), not guessed from the SQL text.
 * @example
 * const { rows, changed } = await runQuery(db, 'UPDATE todos SET done = 1');
 */
export async function runQuery(db: Database, sql: string): Promise<QueryOutcome> {
  const counters = async () => {
    const [a] = await db.query<{ n: number }>('SELECT total_changes() AS n');
    const [b] = await db.query<{ schema_version: number }>('PRAGMA schema_version');
    return { changes: Number(a?.n ?? 0), schema: Number(b?.schema_version ?? 0) };
  };
  const before = await counters();
  const rows = await db.query(sql);
  const after = await counters();
  const changes = after.changes - before.changes;
  return { rows, changes, changed: changes > 0 || after.schema !== before.schema };
}
