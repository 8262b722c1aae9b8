/**
 * The better-sqlite3 adapter: the engine on a database file in place, with the SQLite build that
 * better-sqlite3 ships (native, in Node). The engine's one transaction is then SQLite's own on the file
 * (`BEGIN IMMEDIATE`, waiting `busy_timeout` for other writers), so other processes that have the file
 * open are handled by SQLite's locks, rollback journal and WAL, and a crash leaves the old or the new
 * database by SQLite's own guarantees (sqlite.org/atomiccommit.html).
 *
 * better-sqlite3 is an optional peer dependency: this module imports only its types, and
 * `loadBetterSqlite3` loads it when asked, so importing molt never needs it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { MoltError } from '../engine/errors.ts';
import { type Row, type SqliteConnection, SqliteError, type SqlValue } from './port.ts';

/** better-sqlite3's default export: the `Database` constructor. */
export type BetterSqlite3Constructor = typeof BetterSqlite3;

/** A connection to a database file through better-sqlite3, with what the port does not cover. */
export interface BetterSqlite3Connection extends SqliteConnection {
  /** The underlying better-sqlite3 database, for the few things the port does not cover. */
  readonly raw: BetterSqlite3.Database;
  /** The file this connection has open (`:memory:` for a scratch database). */
  readonly path: string;
  /** `sqlite_version()` of the SQLite build better-sqlite3 ships. */
  readonly sqliteVersion: string;
}

export interface OpenBetterSqlite3Options {
  /** Open for reading only: writes fail, and the file's write permission is not needed. */
  readonly?: boolean;
  /** How long a statement waits for another connection's lock before `SQLITE_BUSY` (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Fail with `file-not-found` instead of creating a missing file (default true). */
  fileMustExist?: boolean;
}

/** How long SQLite waits for another process's lock before giving up, by default. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

let cached: Promise<BetterSqlite3Constructor> | undefined;

/**
 * Loads better-sqlite3 once. Fails with `sqlite-unavailable` when it is not installed (it is an
 * optional peer dependency: `npm install better-sqlite3@12`).
 * @example
 * const Database = await loadBetterSqlite3();
 * const conn = openBetterSqlite3(Database, 'app.sqlite');
 */
export function loadBetterSqlite3(): Promise<BetterSqlite3Constructor> {
  cached ??= import('better-sqlite3').then(
    (module) => (module.default ?? module) as BetterSqlite3Constructor,
    (error: unknown) => {
      cached = undefined;
      throw new MoltError(
        'sqlite-unavailable',
        `better-sqlite3 could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): install it with 'npm install better-sqlite3@12'`,
        { module: 'better-sqlite3' },
      );
    },
  );
  return cached;
}

/**
 * Opens a database file in place (or a new in-memory database for `:memory:`). Foreign keys start off,
 * as in SQLite itself (better-sqlite3's build turns them on), so both adapters open alike.
 * @example
 * const conn = openBetterSqlite3(await loadBetterSqlite3(), 'app.sqlite', { busyTimeoutMs: 10_000 });
 * conn.query('SELECT count(*) AS n FROM sqlite_schema');
 * conn.close();
 */
export function openBetterSqlite3(
  Database: BetterSqlite3Constructor,
  path = ':memory:',
  options: OpenBetterSqlite3Options = {},
): BetterSqlite3Connection {
  const memory = path === ':memory:';
  const db = guard(`open ${path}`, () =>
    memory
      ? new Database(':memory:')
      : new Database(path, {
          readonly: options.readonly ?? false,
          fileMustExist: options.fileMustExist ?? true,
          timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        }),
  );
  try {
    db.pragma('foreign_keys = OFF');
    const sqliteVersion = String(db.prepare('SELECT sqlite_version()').pluck().get());
    return wrap(Database, db, path, sqliteVersion);
  } catch (error) {
    db.close();
    throw toSqliteError(error, `open ${path}`);
  }
}

function wrap(
  Database: BetterSqlite3Constructor,
  db: BetterSqlite3.Database,
  path: string,
  sqliteVersion: string,
): BetterSqlite3Connection {
  return {
    raw: db,
    path,
    sqliteVersion,
    exec(sql, params) {
      guard(sql, () => {
        if (params && params.length > 0) db.prepare(sql).run(...bindable(params));
        else db.exec(sql);
      });
    },
    query(sql, params) {
      return guard(sql, () => {
        const statement = db.prepare(sql);
        const args = params ? bindable(params) : [];
        // all() refuses statements that return no columns (a PRAGMA that sets): they have no rows.
        if (!statement.reader) {
          statement.run(...args);
          return [];
        }
        statement.safeIntegers(true);
        return (statement.all(...args) as Record<string, unknown>[]).map(toRow);
      });
    },
    openScratch() {
      return openBetterSqlite3(Database);
    },
    close() {
      db.close();
    },
  };
}

/**
 * Rows as the sql.js adapter gives them: integers as numbers (bigint only beyond 2^53, where a number
 * would lose digits), blobs as plain Uint8Arrays rather than Node Buffers.
 */
function toRow(row: Record<string, unknown>): Row {
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'bigint') {
      if (value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) row[key] = Number(value);
    } else if (value instanceof Uint8Array) {
      row[key] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return row as Row;
}

/**
 * Parameters as SQLite should store them: better-sqlite3 binds every JavaScript number as a REAL, where
 * an app (and sql.js) means an INTEGER for a whole number, so whole numbers go as bigints; a plain
 * Uint8Array is viewed as a Buffer, which is what it binds as a blob.
 */
function bindable(params: readonly SqlValue[]): unknown[] {
  return params.map((p) => {
    if (typeof p === 'number') return Number.isSafeInteger(p) ? BigInt(p) : p;
    if (p instanceof Uint8Array && !Buffer.isBuffer(p))
      return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    return p;
  });
}

/** Turns what better-sqlite3 throws into SqliteError, with SQLite's extended result code. */
function guard<T>(sql: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw toSqliteError(error, sql);
  }
}

function toSqliteError(error: unknown, sql: string): SqliteError {
  if (error instanceof SqliteError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return new SqliteError(
    message,
    sql,
    typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined,
  );
}
