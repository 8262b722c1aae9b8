/**
 * The ledger: which versioned migrations a database has run. `_molt_migrations` holds one row per
 * migration (id, checksum, kind, applied_at, duration_ms, snapshot_id) and `PRAGMA user_version`
 * mirrors the count, as a fast check and for tools that only read the header.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import { sha256Hex } from './canonical.ts';
import type { ErrorData } from './errors.ts';
import { MOLT_TABLE_PREFIX } from './schema.ts';

export const LEDGER_TABLE = `${MOLT_TABLE_PREFIX}migrations`;

/** A function migration gets the open transaction: run statements, read rows. */
export interface MigrationContext {
  exec(sql: string, params?: readonly (number | bigint | string | Uint8Array | null)[]): void;
  query(
    sql: string,
    params?: readonly (number | bigint | string | Uint8Array | null)[],
  ): Record<string, unknown>[];
}

/**
 * A versioned migration. `id` sorts (by plain string comparison: `0001_init` before `0002_users`);
 * `up` is SQL text or a synchronous function run inside the migration's transaction.
 */
export interface Migration {
  id: string;
  up: string | ((tx: MigrationContext) => void);
}

export interface LedgerRow {
  id: string;
  checksum: string;
  kind: 'sql' | 'function';
  appliedAt: string;
  durationMs: number;
  snapshotId: string | null;
}

/** SHA-256 of the SQL text, or of the function's source text. */
export function migrationChecksum(migration: Migration): string {
  return sha256Hex(typeof migration.up === 'string' ? migration.up : migration.up.toString());
}

export function migrationKind(migration: Migration): 'sql' | 'function' {
  return typeof migration.up === 'string' ? 'sql' : 'function';
}

/** Sorts by id; throws on duplicate ids (a programming error, not a database state). */
export function sortMigrations(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new Error(`duplicate migration id ${sorted[i]!.id}`);
  }
  return sorted;
}

/** The ledger's rows in id order; empty when the table does not exist. */
export function readLedger(conn: SqliteConnection): LedgerRow[] {
  const exists = conn.query("SELECT 1 AS x FROM sqlite_schema WHERE type = 'table' AND name = ?", [
    LEDGER_TABLE,
  ]);
  if (exists.length === 0) return [];
  return conn
    .query(
      `SELECT id, checksum, kind, applied_at, duration_ms, snapshot_id FROM "${LEDGER_TABLE}" ORDER BY id`,
    )
    .map((r) => ({
      id: String(r.id),
      checksum: String(r.checksum),
      kind: r.kind === 'function' ? 'function' : 'sql',
      appliedAt: String(r.applied_at),
      durationMs: Number(r.duration_ms),
      snapshotId: r.snapshot_id === null ? null : String(r.snapshot_id),
    }));
}

export function readUserVersion(conn: SqliteConnection): number {
  return Number(conn.query('PRAGMA user_version')[0]?.user_version ?? 0);
}

export function createLedger(conn: SqliteConnection): void {
  conn.exec(
    `CREATE TABLE IF NOT EXISTS "${LEDGER_TABLE}" (
      id TEXT PRIMARY KEY NOT NULL,
      checksum TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('sql', 'function')),
      applied_at TEXT NOT NULL,
      duration_ms REAL NOT NULL,
      snapshot_id TEXT
    ) STRICT`,
  );
}

export function recordMigration(conn: SqliteConnection, row: LedgerRow): void {
  conn.exec(
    `INSERT INTO "${LEDGER_TABLE}" (id, checksum, kind, applied_at, duration_ms, snapshot_id) VALUES (?, ?, ?, ?, ?, ?)`,
    [row.id, row.checksum, row.kind, row.appliedAt, row.durationMs, row.snapshotId],
  );
}

export interface LedgerCheck {
  /** Known migrations the database has not run, in order. */
  pending: Migration[];
  /** How many known migrations it has run. */
  applied: number;
  /** What is wrong, when something is. */
  error: ErrorData | null;
}

/**
 * Compares the ledger with the migrations the app knows, before anything runs: applied ids must be a
 * prefix of the known ids, none may have changed, and the database may not be newer than the app.
 * @example
 * const { pending, error } = checkLedger(readLedger(conn), readUserVersion(conn), migrations);
 */
export function checkLedger(
  rows: readonly LedgerRow[],
  userVersion: number,
  known: readonly Migration[],
  options: { allowChecksumDrift?: boolean } = {},
): LedgerCheck {
  const fail = (error: ErrorData): LedgerCheck => ({ pending: [], applied: rows.length, error });
  const ids = new Map(known.map((m, i) => [m.id, i]));
  const lastKnown = known[known.length - 1]?.id;
  const unknown = rows.filter((r) => !ids.has(r.id));
  if (unknown.length > 0) {
    const future = lastKnown === undefined || unknown.every((r) => r.id > lastKnown);
    return future
      ? fail({
          code: 'database-from-future',
          message: `the database has run ${unknown.length} migration(s) this app does not know (up to ${unknown[unknown.length - 1]!.id}): it was written by a newer version`,
          details: { unknown: unknown.map((r) => r.id) },
        })
      : fail({
          code: 'unknown-migration',
          message: `the database has run migration ${unknown[0]!.id}, which this app does not have`,
          details: { unknown: unknown.map((r) => r.id) },
        });
  }
  if (userVersion > known.length) {
    return fail({
      code: 'database-from-future',
      message: `the database is at version ${userVersion}, this app knows ${known.length} migration(s)`,
      details: { userVersion, known: known.length },
    });
  }
  for (let i = 0; i < rows.length; i++) {
    const expected = known[i]!;
    if (rows[i]!.id !== expected.id) {
      return fail({
        code: 'out-of-order',
        message: `migration ${expected.id} sorts before ${rows[i]!.id}, which has already run`,
        details: { missing: expected.id, applied: rows[i]!.id },
      });
    }
    if (!options.allowChecksumDrift && rows[i]!.checksum !== migrationChecksum(expected)) {
      return fail({
        code: 'checksum-mismatch',
        message: `migration ${expected.id} changed after it ran`,
        details: { id: expected.id, applied: rows[i]!.checksum, now: migrationChecksum(expected) },
      });
    }
  }
  return { pending: known.slice(rows.length), applied: rows.length, error: null };
}
