/**
 * A schema-only copy of a database in a scratch connection. The planner runs its steps there first:
 * it learns exactly how SQLite rewrites the schema text after each ALTER TABLE, and a plan that would
 * not reach the target is caught (and mended) before it ever touches user data.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import type { Schema } from './schema.ts';

/** A SQL statement with its bound values. */
export interface Statement {
  sql: string;
  params?: (string | number | null)[];
}

/**
 * Opens a scratch database holding the given schema (no rows), object by object in stored order.
 * @example
 * const sim = openSimulation(conn, inspectSchema(conn));
 */
export function openSimulation(conn: SqliteConnection, schema: Schema): SqliteConnection {
  const sim = openScratch(conn);
  const objects = [
    ...schema.tables.map((t) => t.sql),
    ...schema.indexes.map((i) => i.sql),
    ...schema.views.map((v) => v.sql),
    ...schema.triggers.map((t) => t.sql),
  ];
  for (const sql of objects) {
    try {
      sim.exec(sql);
    } catch {
      // A virtual table whose module this build lacks cannot be copied; it is never changed either.
    }
  }
  return sim;
}

/**
 * A scratch database tuned for schema work: the journal stays in memory and everything runs in one
 * open transaction (never committed: the scratch is inspected and closed), so hundreds of CREATE
 * statements cost one transaction instead of hundreds.
 */
export function openScratch(conn: SqliteConnection): SqliteConnection {
  const scratch = conn.openScratch();
  scratch.exec('PRAGMA journal_mode = MEMORY; PRAGMA cache_size = -65536; BEGIN');
  return scratch;
}

/** Runs statements in order; returns the first failure instead of throwing. */
export function runStatements(conn: SqliteConnection, statements: readonly Statement[]): Error | null {
  for (const statement of statements) {
    try {
      conn.exec(statement.sql, statement.params);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
  return null;
}
