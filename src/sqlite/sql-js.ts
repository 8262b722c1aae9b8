/**
 * The sql.js adapter: the only module that imports sql.js. Replacing sql.js with another SQLite
 * build means writing another file like this one.
 */
import initSqlJs from 'sql.js';
import { MoltError } from '../engine/errors.ts';
import { type Row, type SqliteConnection, SqliteError, type SqlValue } from './port.ts';

/**
 * sql.js as molt uses it: the loaded module and its databases. Declared here rather than taken from
 * @types/sql.js, whose emscripten types need the DOM library: an app on Node, or one checking libraries
 * with `skipLibCheck: false`, needs neither. sql.js's own `SqlJsStatic` fits it.
 */
export interface SqlJsStatic {
  Database: new (data?: ArrayLike<number> | null) => SqlJsDatabase;
}

/** Values as sql.js binds them (it also takes bigints, which its types leave out). */
export type SqlJsParams = (number | string | Uint8Array | null)[];

/** A sql.js database (the few methods molt calls). */
export interface SqlJsDatabase {
  exec(sql: string): unknown;
  run(sql: string, params?: SqlJsParams): unknown;
  prepare(sql: string): SqlJsStatement;
  export(): Uint8Array;
  close(): void;
}

/** A sql.js prepared statement (the few methods molt calls). */
export interface SqlJsStatement {
  bind(params?: SqlJsParams): boolean;
  step(): boolean;
  getColumnNames(): string[];
  get(): SqlValue[];
  free(): boolean;
}

/** A connection that can also hand out its database file and the raw sql.js handle. */
export interface SqlJsConnection extends SqliteConnection {
  /** The database file as bytes. sql.js cannot do this inside an open write transaction. */
  export(): Uint8Array;
  /** The underlying sql.js database, for the few things the port does not cover. */
  readonly raw: SqlJsDatabase;
}

export interface LoadSqlJsOptions {
  /**
   * Where the browser fetches sql.js's `sql-wasm-browser.wasm` from. In Node, sql.js reads its own file
   * and this is not needed.
   */
  wasmUrl?: string;
  /** The wasm bytes themselves, when they are already at hand (then nothing is fetched). */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

let cached: Promise<SqlJsStatic> | undefined;

/**
 * Loads the sql.js module once per realm. A wasm file that cannot be loaded fails with
 * `wasm-load-failed`, naming the URL and what came back instead.
 * @example
 * const sqlite = await loadSqlJs();
 * const conn = openSqlJs(sqlite);
 */
export function loadSqlJs(options: LoadSqlJsOptions = {}): Promise<SqlJsStatic> {
  if (!cached) {
    const config: Record<string, unknown> = {};
    if (options.wasmBinary) config.wasmBinary = options.wasmBinary;
    const url = options.wasmBinary ? undefined : options.wasmUrl;
    if (url) config.locateFile = () => url;
    cached = initSqlJs(config).catch(async (error: unknown) => {
      cached = undefined;
      throw await wasmLoadError(error, url);
    });
  }
  return cached;
}

/** Why the wasm did not load: emscripten only says it could not compile, so look at the URL again. */
async function wasmLoadError(error: unknown, url: string | undefined): Promise<MoltError> {
  const reason = error instanceof Error ? error.message : String(error);
  if (url === undefined) {
    return new MoltError('wasm-load-failed', `SQLite's wasm could not be loaded: ${reason}`, { reason });
  }
  let found: string;
  try {
    const response = await fetch(url);
    const type = response.headers.get('content-type') ?? 'no content type';
    if (!response.ok) found = `HTTP ${response.status}`;
    else if (!type.includes('application/wasm')) found = `the server sent ${type}, not application/wasm`;
    else found = reason;
  } catch (fetchError) {
    found = `the request failed (${fetchError instanceof Error ? fetchError.message : String(fetchError)})`;
  }
  return new MoltError(
    'wasm-load-failed',
    `SQLite's wasm could not be loaded from ${url}: ${found}. Give serve() the URL your bundler serves ` +
      `sql.js/dist/sql-wasm-browser.wasm at (sqlite.wasmUrl), or its bytes (sqlite.wasmBinary).`,
    { url, reason: found },
  );
}

/**
 * Opens a database with sql.js: a new empty one, or the given file bytes.
 * @example
 * const conn = openSqlJs(await loadSqlJs(), bytes);
 * conn.query('SELECT count(*) AS n FROM sqlite_schema');
 */
export function openSqlJs(sqlite: SqlJsStatic, bytes?: Uint8Array): SqlJsConnection {
  // sql.js keeps the array it is given as its file (a Node Buffer's slice() is a view, not a copy) and
  // writes pages into it: give it a copy, so the caller's bytes stay as they were.
  return wrap(sqlite, new sqlite.Database(bytes ? new Uint8Array(bytes) : undefined));
}

function wrap(sqlite: SqlJsStatic, db: SqlJsDatabase): SqlJsConnection {
  // This build keeps temporary tables and sort spills in (emulated) files by default; in memory they
  // skip a layer of copying, and they were in memory anyway.
  db.exec('PRAGMA temp_store = MEMORY');
  return {
    raw: db,
    exec(sql, params) {
      guard(sql, () => {
        if (params && params.length > 0) db.run(sql, params as SqlJsParams);
        else db.exec(sql);
      });
    },
    query(sql, params) {
      return guard(sql, () => {
        const statement = db.prepare(sql);
        try {
          if (params && params.length > 0) statement.bind(params as SqlJsParams);
          const rows: Row[] = [];
          let names: string[] | undefined;
          while (statement.step()) {
            // getAsObject looks the column names up again for every row; do it once.
            names ??= statement.getColumnNames();
            const values = statement.get();
            const row: Row = {};
            for (let i = 0; i < names.length; i++) row[names[i]!] = values[i] ?? null;
            rows.push(row);
          }
          return rows;
        } finally {
          statement.free();
        }
      });
    },
    openScratch() {
      return wrap(sqlite, new sqlite.Database());
    },
    close() {
      db.close();
    },
    export() {
      return guard('export', () => db.export());
    },
  };
}

/** Normalises what sql.js throws (Errors, sometimes bare strings) into SqliteError, in one place. */
function guard<T>(sql: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SqliteError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SqliteError(message, sql);
  }
}
