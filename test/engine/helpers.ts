/**
 * Shared helpers for engine tests: real sql.js databases, byte hashes, and the round trip every
 * migration test ends with (apply, inspect, compare with the pristine target, check kept values).
 */
import { expect } from 'vitest';
import {
  type ApplyReport,
  applyPlan,
  diffCanonical,
  inspectSchema,
  loadDesiredSchema,
  type Plan,
  type PlanOptions,
  planMigration,
} from '../../src/engine/index.ts';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from '../../src/sqlite/sql-js.ts';

/** A new in-memory database with foreign keys enforced, as apps run it. */
export async function openDb(sql = ''): Promise<SqlJsConnection> {
  const conn = openSqlJs(await loadSqlJs());
  conn.exec('PRAGMA foreign_keys = ON');
  if (sql) conn.exec(sql);
  return conn;
}

export { hashBytes } from '../support/outcomes.ts';

/** Every row of a table as `quote()`d text, keyed by rowid (or the whole row for WITHOUT ROWID). */
export function snapshotRows(
  conn: SqlJsConnection,
  table: string,
  columns: string[],
  key = 'rowid',
): Map<string, Record<string, string>> {
  const list = columns.map((c) => `quote("${c}") AS "${c}"`).join(', ');
  const rows = conn.query(`SELECT ${key} AS _k, ${list} FROM "${table}"`);
  return new Map(rows.map((r) => [String(r._k), Object.fromEntries(columns.map((c) => [c, String(r[c])]))]));
}

/** The schema the desired SQL produces in a fresh database. */
export function pristine(conn: SqlJsConnection, desiredSql: string) {
  return loadDesiredSchema(conn, desiredSql).schema;
}

/** Plans and applies, then asserts the result is exactly the pristine target and re-planning is empty. */
export function migrate(
  conn: SqlJsConnection,
  desiredSql: string,
  options: PlanOptions = {},
): { plan: Plan; report: ApplyReport } {
  const plan = planMigration(conn, desiredSql, options);
  expect(plan.blockers).toEqual([]);
  const report = applyPlan(conn, plan);
  expect(diffCanonical(inspectSchema(conn), pristine(conn, desiredSql))).toEqual([]);
  expect(planMigration(conn, desiredSql, options).steps).toEqual([]);
  expect(conn.query('PRAGMA foreign_key_check')).toEqual([]);
  expect(conn.query('PRAGMA integrity_check')[0]?.integrity_check).toBe('ok');
  return { plan, report };
}

export function count(conn: SqlJsConnection, table: string): number {
  return Number(conn.query(`SELECT count(*) AS n FROM "${table}"`)[0]!.n);
}
