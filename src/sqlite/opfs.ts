/**
 * The adapter over the official SQLite WebAssembly build (`@sqlite.org/sqlite-wasm`) with its
 * `opfs-sahpool` VFS: the database is a file in the Origin Private File System, SQLite reads and writes
 * only the pages it needs, and a commit is durable by SQLite's own rollback journal. The only module that
 * imports the official build.
 *
 * OPFS sync access handles exist only in dedicated workers, and a handle is exclusive: one worker at a
 * time holds a database. Each database gets a pool of its own (its own OPFS directory), so two databases
 * of one origin can be owned by two workers, and closing a database hands its files back at once.
 * https://sqlite.org/wasm/doc/trunk/persistence.md#vfs-opfs-sahpool
 */
import sqlite3InitModule, {
  type BindingSpec,
  type Database,
  type SAHPoolUtil,
  type Sqlite3Static,
} from '@sqlite.org/sqlite-wasm';
import { MoltError } from '../engine/errors.ts';
import { checkQuickly } from './integrity.ts';
import { type Row, type SqliteConnection, SqliteError, type SqlValue } from './port.ts';

/** Bytes read in pieces: a file that is never in memory whole. */
export interface ByteSource {
  readonly byteLength: number;
  /** `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** The loaded official build, as this adapter uses it. */
export interface OpfsSqlite {
  readonly sqlite3: Sqlite3Static;
  /** `sqlite_version()` of the build. */
  readonly version: string;
}

/** A connection to a database file in OPFS. */
export interface OpfsConnection extends SqliteConnection {
  /** The underlying oo1 database, for the few things the port does not cover. */
  readonly raw: Database;
  /** The file's name inside its pool. */
  readonly file: string;
  /** The size of the database file in bytes (page count × page size, as SQLite sees it now). */
  byteLength(): number;
  /**
   * `length` bytes of the database file from `offset`, as committed: pages are read through SQLite
   * (`sqlite_dbpage`), so the bytes are the ones a copy of the file would hold. Fails with
   * `transaction-open` inside a transaction, whose pages are not committed yet.
   */
  readFile(offset: number, length: number): Uint8Array;
  /**
   * The database file as a `ByteSource` for a snapshot. Every read checks that no commit happened since
   * the source was made (SQLite's file change counter), so a snapshot is never a mix of two states.
   */
  source(): ByteSource;
  /**
   * Replaces the whole database with the file given in pieces, in one step that either happens or not:
   * the pieces go to a staging file, pass `quick_check`, and SQLite's backup copies them over the
   * database in one transaction of its own. Returns the new size in bytes.
   */
  replace(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number>;
}

export interface LoadOpfsSqliteOptions {
  /** Where the browser fetches `sqlite3.wasm` from; by default next to the build's own module. */
  wasmUrl?: string;
}

export interface OpenOpfsOptions {
  /**
   * How long to keep trying when another worker still holds the database's files (a tab that is closing
   * hands them over a moment later). Default 3000 ms; then the open fails with `locked`.
   */
  acquireTimeoutMs?: number;
}

/** Whether this realm can run the OPFS engine, and why not. */
export type OpfsSupport = { available: true } | { available: false; reason: string };

/**
 * Pool entries per database: the file and its journal, a staging file for `replace` and its journal,
 * and SQLite's temporary files (sorts, statement journals), which go to OPFS rather than the wasm heap.
 */
const POOL_CAPACITY = 16;
const DATABASE_FILE = '/database.sqlite3';
const STAGING_FILE = '/incoming.sqlite3';
const DEFAULT_ACQUIRE_TIMEOUT_MS = 3000;
/** The 4-byte file change counter in the database header (sqlite.org/fileformat2.html#file_change_counter). */
const CHANGE_COUNTER_OFFSET = 24;

let loading: Promise<OpfsSqlite> | undefined;
/** The last error the OPFS VFS reported; SQLite itself only says "disk I/O error". */
let lastVfsError: unknown;

/**
 * Loads the official build once per realm.
 * @example
 * const sqlite = await loadOpfsSqlite();
 * const conn = await openOpfsDatabase(sqlite, 'notes');
 */
export function loadOpfsSqlite(options: LoadOpfsSqliteOptions = {}): Promise<OpfsSqlite> {
  if (!loading) {
    // The VFS reports the browser's exception (a QuotaExceededError, say) only to the library's error
    // logger and returns SQLITE_IOERR; keep it so a failed statement can say what really happened.
    // sqlite3ApiConfig is the build's documented hook, read once at initialisation.
    const global = globalThis as { sqlite3ApiConfig?: Record<string, unknown> };
    global.sqlite3ApiConfig = {
      ...global.sqlite3ApiConfig,
      error: (...args: unknown[]) => {
        const error = args.find((arg) => arg instanceof Error || isDomException(arg));
        if (error) lastVfsError = error;
        // Files another worker still holds are expected while a database changes hands: opening waits.
        if (!isHeldElsewhere(error)) console.error(...args);
      },
    };
    const url = options.wasmUrl;
    const init = sqlite3InitModule as unknown as (module?: object) => Promise<Sqlite3Static>;
    loading = init(url ? { locateFile: () => url } : {}).then(
      (sqlite3) => ({ sqlite3, version: sqlite3.version.libVersion }),
      (error: unknown) => {
        loading = undefined;
        throw new MoltError(
          'sqlite-unavailable',
          `the SQLite WebAssembly build failed to load: ${describe(error)}`,
          {
            engine: 'opfs',
          },
        );
      },
    );
  }
  return loading;
}

/**
 * Says whether OPFS sync access handles work here: a dedicated worker in a secure context of a browser
 * that has them (and lets this origin use them: private windows may not).
 * @example
 * const support = await checkOpfs();
 * if (!support.available) console.warn(support.reason);
 */
export async function checkOpfs(): Promise<OpfsSupport> {
  const scope = globalThis as {
    DedicatedWorkerGlobalScope?: abstract new () => unknown;
    FileSystemFileHandle?: { prototype: object };
    isSecureContext?: boolean;
  };
  if (!scope.DedicatedWorkerGlobalScope || !(globalThis instanceof scope.DedicatedWorkerGlobalScope)) {
    return { available: false, reason: 'OPFS sync access handles exist only in dedicated workers' };
  }
  if (!scope.isSecureContext) {
    return { available: false, reason: 'OPFS needs a secure context (https, or http on localhost)' };
  }
  if (!scope.FileSystemFileHandle || !('createSyncAccessHandle' in scope.FileSystemFileHandle.prototype)) {
    return { available: false, reason: 'this browser has no OPFS sync access handles' };
  }
  try {
    await navigator.storage.getDirectory();
  } catch (error) {
    return { available: false, reason: `this origin may not use OPFS here: ${describe(error)}` };
  }
  return { available: true };
}

/**
 * Opens (creating it when missing) the database `name` in OPFS, taking its files for this worker until
 * `close()`. Fails with `locked` when another worker keeps them longer than `acquireTimeoutMs`.
 * @example
 * const conn = await openOpfsDatabase(await loadOpfsSqlite(), 'notes');
 * conn.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)');
 * conn.close();
 */
export async function openOpfsDatabase(
  sqlite: OpfsSqlite,
  name: string,
  options: OpenOpfsOptions = {},
): Promise<OpfsConnection> {
  const { pool, release } = await acquirePool(sqlite, name, options.acquireTimeoutMs);
  try {
    return openFile(sqlite, pool, DATABASE_FILE, release);
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Creates the database `name` in OPFS from a file given in pieces and opens it. The file appears under
 * its name only once every byte is written (a failure or a closed tab leaves no database), and its
 * bytes are exactly the ones given: read them back with `source()` to verify. Fails with
 * `invalid-argument` when the database already has pages (use `replace` on it instead).
 * @example
 * const conn = await importOpfsDatabase(sqlite, 'notes', store.readSnapshot(head.id));
 */
export async function importOpfsDatabase(
  sqlite: OpfsSqlite,
  name: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: OpenOpfsOptions = {},
): Promise<OpfsConnection> {
  const { pool, release } = await acquirePool(sqlite, name, options.acquireTimeoutMs);
  try {
    if (pool.getFileNames().includes(DATABASE_FILE)) {
      const existing = openFile(sqlite, pool, DATABASE_FILE);
      const size = existing.byteLength();
      existing.close();
      if (size > 0) {
        throw new MoltError('invalid-argument', `${name} already exists in OPFS (${size} bytes)`, { name });
      }
      pool.unlink(DATABASE_FILE);
    }
    await importChunks(pool, DATABASE_FILE, chunks);
    return openFile(sqlite, pool, DATABASE_FILE, release);
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Whether the database `name` has a file in OPFS with at least one page. Needs its files, like opening.
 * @example
 * if (!(await opfsDatabaseExists(sqlite, 'notes'))) console.log('first start on OPFS');
 */
export async function opfsDatabaseExists(
  sqlite: OpfsSqlite,
  name: string,
  options: OpenOpfsOptions = {},
): Promise<boolean> {
  const { pool, release } = await acquirePool(sqlite, name, options.acquireTimeoutMs);
  try {
    if (!pool.getFileNames().includes(DATABASE_FILE)) return false;
    const conn = openFile(sqlite, pool, DATABASE_FILE);
    try {
      return conn.byteLength() > 0;
    } finally {
      conn.close();
    }
  } finally {
    release();
  }
}

/**
 * Deletes the database `name` from OPFS: its file, its journal and its directory. It must not be open.
 * @example
 * await deleteOpfsDatabase(sqlite, 'notes');
 */
export async function deleteOpfsDatabase(
  sqlite: OpfsSqlite,
  name: string,
  options: OpenOpfsOptions = {},
): Promise<void> {
  const { pool, release } = await acquirePool(sqlite, name, options.acquireTimeoutMs);
  try {
    if ((holders.get(pool.vfsName) ?? 0) > 1) {
      throw new MoltError('locked', `${name} is open in this worker: close it before deleting it`, { name });
    }
    await pool.wipeFiles();
  } finally {
    release();
  }
}

/** The OPFS directory that holds the database `name`. */
export function opfsDirectoryFor(name: string): string {
  return `.molt/${encodeURIComponent(name)}`;
}

/**
 * A pool of files in one OPFS directory, for callers that want several databases there (the engine
 * suites in the browser). Apps use `openOpfsDatabase`.
 * @example
 * const pool = await openOpfsPool(sqlite, '.molt-tests');
 * const conn = pool.open('/case-1.sqlite3');
 */
export async function openOpfsPool(sqlite: OpfsSqlite, directory: string, capacity = 32): Promise<OpfsPool> {
  const pool = await installPool(sqlite, `molt-pool:${directory}`, directory);
  await pool.reserveMinimumCapacity(capacity);
  return {
    open: (file) => openFile(sqlite, pool, file),
    files: () => pool.getFileNames(),
    remove: (file) => pool.unlink(file),
    importFile: (file, bytes) => {
      guardQuota(() => pool.importDb(file, bytes));
    },
  };
}

/** Several database files in one OPFS directory. */
export interface OpfsPool {
  open(file: string): OpfsConnection;
  files(): string[];
  remove(file: string): boolean;
  /** Writes database bytes as `file`, which must not be open. */
  importFile(file: string, bytes: Uint8Array): void;
}

/** How many open connections (and calls in progress) hold each pool of this worker, by VFS name. */
const holders = new Map<string, number>();

/**
 * Takes the files of the database `name` for this worker; `release` hands them back (to other workers)
 * once no connection of this worker holds them any more.
 */
async function acquirePool(
  sqlite: OpfsSqlite,
  name: string,
  timeoutMs = DEFAULT_ACQUIRE_TIMEOUT_MS,
): Promise<{ pool: SAHPoolUtil; release: () => void }> {
  const pool = await takePool(sqlite, name, timeoutMs);
  holders.set(pool.vfsName, (holders.get(pool.vfsName) ?? 0) + 1);
  let released = false;
  return {
    pool,
    release: () => {
      if (released) return;
      released = true;
      const left = (holders.get(pool.vfsName) ?? 1) - 1;
      holders.set(pool.vfsName, left);
      if (left === 0) pool.pauseVfs();
    },
  };
}

async function takePool(sqlite: OpfsSqlite, name: string, timeoutMs: number): Promise<SAHPoolUtil> {
  const support = await checkOpfs();
  if (!support.available) {
    throw new MoltError('sqlite-unavailable', `the OPFS engine cannot run here: ${support.reason}`, {
      engine: 'opfs',
      reason: support.reason,
    });
  }
  const deadline = performance.now() + timeoutMs;
  for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
    try {
      const pool = await installPool(sqlite, `molt:${name}`, opfsDirectoryFor(name));
      // A pool closed by this worker earlier is paused: take its handles back.
      if (pool.isPaused()) await pool.unpauseVfs();
      await pool.reserveMinimumCapacity(POOL_CAPACITY);
      return pool;
    } catch (error) {
      if (!isHeldElsewhere(error)) throw toMoltError(error, `open ${name}`);
      if (performance.now() >= deadline) {
        throw new MoltError('locked', `another worker keeps the OPFS files of ${name} open`, {
          name,
          engine: 'opfs',
          timeoutMs,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function installPool(sqlite: OpfsSqlite, vfsName: string, directory: string): Promise<SAHPoolUtil> {
  return sqlite.sqlite3.installOpfsSAHPoolVfs({
    name: vfsName,
    directory,
    initialCapacity: POOL_CAPACITY,
    // The build's default on a failed start is to delete the pool's directory, data and all. A start
    // fails whenever another worker still holds some of the files (a tab handing them over): keep them
    // and try again. (Chromium refuses to delete a directory while any file in it is held; nothing says
    // every browser does.)
    preserveOnInitFailure: true,
    forceReinitIfPreviouslyFailed: true,
  } as Parameters<Sqlite3Static['installOpfsSAHPoolVfs']>[0]);
}

/** The browser refuses a second sync access handle on a file another worker has open. */
function isHeldElsewhere(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NoModificationAllowedError' || name === 'InvalidStateError';
}

function openFile(
  sqlite: OpfsSqlite,
  pool: SAHPoolUtil,
  file: string,
  onClose: () => void = () => undefined,
): OpfsConnection {
  const db = guard(`open ${file}`, () => new pool.OpfsSAHPoolDb(file));
  const conn = wrap(sqlite, db);
  // This build keeps temporary files in memory by default: a sort for an index over a large table would
  // then grow the wasm heap (which never shrinks) with the table. In OPFS, memory stays independent of
  // the file's size.
  conn.exec('PRAGMA temp_store = FILE');
  const pageSize = () => Number(conn.query('PRAGMA page_size')[0]?.page_size);
  const byteLength = () => Number(conn.query('PRAGMA page_count')[0]?.page_count) * pageSize();
  const readFile = (offset: number, length: number) => {
    if (!sqlite.sqlite3.capi.sqlite3_get_autocommit(db)) {
      throw new MoltError('transaction-open', 'the database file cannot be read inside a transaction');
    }
    return readDatabaseFile(sqlite, db, offset, Math.min(length, byteLength() - offset));
  };
  return {
    ...conn,
    raw: db,
    file,
    byteLength,
    readFile,
    close() {
      conn.close();
      onClose();
    },
    source() {
      const size = byteLength();
      const counter = size > 0 ? readFile(CHANGE_COUNTER_OFFSET, 4).join() : '';
      return {
        byteLength: size,
        async read(offset, length) {
          const now = byteLength() > 0 ? readFile(CHANGE_COUNTER_OFFSET, 4).join() : '';
          if (now !== counter || byteLength() !== size) {
            throw new MoltError('stale-head', 'the database changed while it was being read', {
              file,
            });
          }
          return readFile(offset, length);
        },
      };
    },
    async replace(chunks) {
      if (!sqlite.sqlite3.capi.sqlite3_get_autocommit(db)) {
        throw new MoltError('transaction-open', 'the database cannot be replaced inside a transaction');
      }
      pool.unlink(STAGING_FILE);
      const written = await importChunks(pool, STAGING_FILE, chunks);
      try {
        copyOver(sqlite, pool, db, written);
      } finally {
        pool.unlink(STAGING_FILE);
      }
      return written;
    },
  };
}

/** Copies the staging file over the database with SQLite's backup API: one write transaction. */
function copyOver(sqlite: OpfsSqlite, pool: SAHPoolUtil, db: Database, size: number): void {
  const { capi } = sqlite.sqlite3;
  const staging = wrap(
    sqlite,
    guard(`open ${STAGING_FILE}`, () => new pool.OpfsSAHPoolDb(STAGING_FILE)),
  );
  try {
    checkQuickly(staging, `the new database file (${size} bytes)`);
    const backup = capi.sqlite3_backup_init(db, 'main', staging.raw, 'main');
    if (!backup) throw failure(sqlite, db, 'replace');
    const step = capi.sqlite3_backup_step(backup, -1);
    const finish = capi.sqlite3_backup_finish(backup);
    if (step !== capi.SQLITE_DONE || finish !== capi.SQLITE_OK) throw failure(sqlite, db, 'replace');
  } finally {
    staging.close();
  }
}

function failure(sqlite: OpfsSqlite, db: Database, sql: string, rc?: number): Error {
  const { capi } = sqlite.sqlite3;
  const code = rc ?? capi.sqlite3_extended_errcode(db);
  return classify(new SqliteError(capi.sqlite3_errmsg(db), sql, capi.sqlite3_js_rc_str(code)), code);
}

/** Bytes per read into the wasm heap: the heap grows by this much at most, whatever the file's size. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * Reads the database file through the very `sqlite3_file` SQLite reads it through (its VFS's xRead,
 * found with SQLITE_FCNTL_FILE_POINTER: sqlite.org/c3ref/c_fcntl_begin_atomic_write.html), a bounded
 * buffer at a time. Reading pages with SQL (`sqlite_dbpage`) gives the same bytes but is four times
 * slower.
 */
function readDatabaseFile(sqlite: OpfsSqlite, db: Database, offset: number, length: number): Uint8Array {
  const { capi, wasm } = sqlite.sqlite3;
  const out = new Uint8Array(Math.max(0, length));
  if (out.length === 0) return out;
  const pointer = wasm.alloc(8);
  const buffer = wasm.alloc(Math.min(READ_BUFFER_BYTES, out.length));
  let file: InstanceType<typeof capi.sqlite3_file> | undefined;
  let methods: InstanceType<typeof capi.sqlite3_io_methods> | undefined;
  try {
    const rc = capi.sqlite3_file_control(db, 'main', capi.SQLITE_FCNTL_FILE_POINTER, pointer);
    const pFile = wasm.peekPtr(pointer);
    if (rc !== 0 || !pFile) throw new MoltError('internal', 'SQLite gave no file for the database');
    file = new capi.sqlite3_file(pFile);
    methods = new capi.sqlite3_io_methods(file.$pMethods);
    // The struct's `$xRead` member is the function pointer (the bundled types describe it otherwise).
    const pointerOf = (methods as unknown as { $xRead: number }).$xRead;
    const xRead = wasm.functionEntry(pointerOf) as (p: number, dest: number, n: number, at: bigint) => number;
    for (let done = 0; done < out.length; done += READ_BUFFER_BYTES) {
      const n = Math.min(READ_BUFFER_BYTES, out.length - done);
      const read = xRead(pFile, buffer, n, BigInt(offset + done));
      if (read !== 0) throw failure(sqlite, db, `read ${n} bytes at ${offset + done}`, read);
      out.set(wasm.heap8u().subarray(buffer, buffer + n), done);
    }
  } finally {
    // The structs only view SQLite's memory: dispose of the views, not of what they point to.
    file?.dispose();
    methods?.dispose();
    wasm.dealloc(buffer);
    wasm.dealloc(pointer);
  }
  return out;
}

function wrap(sqlite: OpfsSqlite, db: Database): SqliteConnection & { raw: Database } {
  // This build turns off double-quoted string literals (sqlite.org/quirks.html#dblquote); sql.js, like
  // SQLite's default, has them. A schema written under sql.js (a view comparing with "done", say) must
  // read the same here, so both engines speak one dialect.
  const { capi } = sqlite.sqlite3;
  capi.sqlite3_db_config(db, capi.SQLITE_DBCONFIG_DQS_DDL, 1, 0);
  capi.sqlite3_db_config(db, capi.SQLITE_DBCONFIG_DQS_DML, 1, 0);
  return {
    raw: db,
    exec(sql, params) {
      // The build refuses an empty string, which sql.js (and SQLite) run as nothing.
      if (sql === '') return;
      guard(sql, () => {
        if (params && params.length > 0) db.exec({ sql, bind: params as BindingSpec });
        else db.exec(sql);
      });
    },
    query(sql, params) {
      return guard(sql, () => {
        const statement = db.prepare(sql);
        try {
          if (params && params.length > 0) statement.bind(params as BindingSpec);
          const rows: Row[] = [];
          let names: string[] | undefined;
          while (statement.step()) {
            names ??= statement.getColumnNames();
            const values = statement.get([]) as SqlValue[];
            const row: Row = {};
            for (let i = 0; i < names.length; i++) row[names[i]!] = values[i] ?? null;
            rows.push(row);
          }
          return rows;
        } finally {
          statement.finalize();
        }
      });
    },
    openScratch() {
      return wrap(sqlite, new sqlite.sqlite3.oo1.DB(':memory:', 'c'));
    },
    close() {
      db.close();
    },
  };
}

/**
 * Runs `run`, turning what the build throws into SqliteError (SQLite's own message, the result code by
 * name) and a write the browser refused for lack of quota into `quota-exceeded`.
 */
function guard<T>(sql: string, run: () => T): T {
  lastVfsError = undefined;
  try {
    return run();
  } catch (error) {
    throw toMoltError(error, sql);
  }
}

function toMoltError(error: unknown, sql: string): Error {
  if (error instanceof SqliteError || error instanceof MoltError) return error;
  if (isQuotaError(error)) return quotaExceeded(error);
  const code = (error as { resultCode?: unknown } | null)?.resultCode;
  const message = describe(error).replace(/^SQLITE_[A-Z_]+: sqlite3 result code \d+: /, '');
  if (typeof code !== 'number') return new SqliteError(message, sql);
  const name = /^(SQLITE_[A-Z_]+):/.exec(describe(error))?.[1];
  return classify(new SqliteError(message, sql, name), code);
}

/** An I/O error whose cause the VFS saw was the browser's quota becomes `quota-exceeded`. */
function classify(error: SqliteError, code: number): Error {
  const primary = code & 0xff;
  // SQLITE_IOERR (10) and SQLITE_FULL (13).
  if ((primary === 10 || primary === 13) && isQuotaError(lastVfsError)) return quotaExceeded(lastVfsError);
  return error;
}

function guardQuota<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw toMoltError(error, 'import');
  }
}

async function guardQuotaAsync<T>(run: () => Promise<T>): Promise<T> {
  lastVfsError = undefined;
  try {
    return await run();
  } catch (error) {
    throw toMoltError(error, 'import');
  }
}

function quotaExceeded(cause: unknown): MoltError {
  return new MoltError('quota-exceeded', `the browser's storage quota is exhausted: ${describe(cause)}`, {
    engine: 'opfs',
  });
}

/**
 * The browser's quota error, or the build's report of a short write. Chromium's sync access handles do
 * not throw when the quota is full: `write()` returns a count short of the bytes given (or a negative
 * error as an unsigned number), and the build then fails with "Unknown write() failure." (the VFS) or
 * "Expected to write N bytes but wrote M." (an import). Storage running out is the one reason a write to
 * OPFS comes up short; the quota test in test/browser/opfs.test.ts keeps these messages honest.
 */
const SHORT_WRITE = /Unknown write\(\) failure|Expected to write \d+ ?bytes but wrote/;

function isQuotaError(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === 'QuotaExceededError' || (typeof message === 'string' && SHORT_WRITE.test(message));
}

function isDomException(value: unknown): boolean {
  return typeof DOMException !== 'undefined' && value instanceof DOMException;
}

function describe(error: unknown): string {
  return error instanceof Error || isDomException(error) ? (error as Error).message : String(error);
}

/**
 * Writes a database file from pieces with the build's chunked import: the file takes its name only
 * once every piece is written, and a failure (or a stream that throws) leaves the slot empty.
 */
async function importChunks(
  pool: SAHPoolUtil,
  file: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  const iterator = iterate(chunks);
  return guardQuotaAsync(() =>
    pool.importDb(file, async () => {
      const next = await iterator.next();
      return next.done ? undefined : next.value;
    }),
  );
}

async function* iterate(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) if (chunk.byteLength > 0) yield chunk;
}
