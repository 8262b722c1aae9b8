/**
 * Database files under native SQLite (better-sqlite3), in place: the engine's transaction is SQLite's
 * own on the file, so apps and other processes that have it open are handled by SQLite's locks, journal
 * and WAL, and nothing is ever renamed over the file. What SQLite cannot refuse by itself is refused
 * here: a write-protected file (`read-only`), and a file another process keeps locked past the timeout
 * (`locked`, naming the holder where the system says). Snapshots read the file in pieces under SQLite's
 * lock, never whole into memory.
 */
import { constants } from 'node:fs';
import { access, open, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMoltError, MoltError } from '../engine/errors.ts';
import {
  type BetterSqlite3Connection,
  loadBetterSqlite3,
  openBetterSqlite3,
} from '../sqlite/better-sqlite3.ts';
import { type SqliteConnection, SqliteError } from '../sqlite/port.ts';
import { checkHeader, checkQuickly } from '../sqlite/untrusted.ts';
import type {
  ByteSource,
  SaveResult,
  SnapshotMeta,
  SnapshotStore,
  StreamProgress,
} from '../storage/index.ts';
import { usageError } from './command.ts';
import { describeHolders, findLockHolders } from './lock-holders.ts';

/** Which SQLite runs a command: native (better-sqlite3, on the file) or wasm (sql.js, in memory). */
export type SqliteEngine = 'native' | 'wasm';

/** What ran, for the output: the engine and `sqlite_version()`. */
export interface SqliteUsed {
  engine: SqliteEngine;
  version: string;
}

/** The `--sqlite` option, in `node:util` parseArgs form, and its help line. */
export const SQLITE_OPTION = { sqlite: { type: 'string' } } as const;
export const SQLITE_HELP = `  --sqlite native|wasm    native: better-sqlite3 on <db> in place (the default when installed);
                          wasm: sql.js in memory, the SQLite the browser runs (the default otherwise)`;

/**
 * The engine for `--sqlite` (or MOLT_SQLITE when the option is absent): native when asked for or,
 * by default, when better-sqlite3 loads; `native` without it is `sqlite-unavailable`.
 * @example
 * const engine = await chooseSqlite('apply', values.sqlite); // 'native'
 */
export async function chooseSqlite(
  command: string,
  value: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Promise<SqliteEngine> {
  const wanted = value ?? (env.MOLT_SQLITE || undefined);
  if (wanted === 'wasm') return 'wasm';
  if (wanted === 'native') {
    await loadBetterSqlite3();
    return 'native';
  }
  if (wanted !== undefined) throw usageError(command, `--sqlite '${wanted}' is not one of native, wasm`);
  return loadBetterSqlite3().then(
    () => 'native' as const,
    () => 'wasm' as const,
  );
}

/**
 * Which SQLite ran, for the output: `SQLite 3.53.2, native`.
 * @example
 * describeSqlite({ engine: 'wasm', version: '3.54.1' }); // 'SQLite 3.54.1, wasm'
 */
export function describeSqlite(used: SqliteUsed): string {
  return `SQLite ${used.version}, ${used.engine}`;
}

/** A database file open in place under native SQLite. */
export interface NativeDatabase {
  conn: BetterSqlite3Connection;
  /** The real path (symbolic links followed). */
  path: string;
  /** The path as given, for messages. */
  label: string;
  sqlite: SqliteUsed;
}

export interface OpenNativeOptions {
  /** Open for writing: refuses write-protected files first. Readers open read-only. */
  write: boolean;
  foreignKeys?: boolean;
  /** How long SQLite waits for another process's lock (busy_timeout). */
  busyTimeoutMs: number;
}

/**
 * Opens a database file in place, with the checks every untrusted file gets: the header before SQLite
 * sees it, the schema's SQL functions not trusted, cell sizes checked, and `quick_check`.
 * @example
 * const db = await openNativeFile('app.sqlite', { write: true, foreignKeys: true, busyTimeoutMs: 5000 });
 */
export async function openNativeFile(label: string, options: OpenNativeOptions): Promise<NativeDatabase> {
  const path = await realFile(label);
  checkHeader(await readHeader(path), label);
  if (options.write) await refuseReadOnly(label, path);
  const Database = await loadBetterSqlite3();
  let conn: BetterSqlite3Connection;
  try {
    conn = openBetterSqlite3(Database, path, {
      readonly: !options.write,
      busyTimeoutMs: options.busyTimeoutMs,
    });
  } catch (error) {
    throw await explainNativeError(error, label, path);
  }
  try {
    conn.exec('PRAGMA trusted_schema = OFF');
    conn.exec('PRAGMA cell_size_check = ON');
    checkQuickly(conn, label);
    if (options.foreignKeys) conn.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    conn.close();
    throw await explainNativeError(error, label, path);
  }
  return { conn, path, label, sqlite: { engine: 'native', version: conn.sqliteVersion } };
}

async function realFile(label: string): Promise<string> {
  try {
    const path = await realpath(label);
    if ((await stat(path)).isDirectory()) {
      throw new MoltError('invalid-argument', `${label} is a folder, not a file`, { path: label });
    }
    return path;
  } catch (error) {
    if (isMoltError(error)) throw error;
    throw new MoltError('file-not-found', `${label} does not exist`, { path: label });
  }
}

async function readHeader(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(100);
    const { bytesRead } = await handle.read(buffer, 0, 100, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Refuses to write a file that is write-protected (no write bit at all, as `chmod 444` leaves it: even
 * root's tools ask before writing one), that this user cannot write, or whose folder this user cannot
 * write (SQLite keeps its journal there).
 */
async function refuseReadOnly(label: string, path: string): Promise<void> {
  const mode = (await stat(path)).mode & 0o777;
  const readOnly = (why: string) =>
    new MoltError('read-only', `${label} ${why}; it was left as it is`, {
      path: label,
      mode: `0${mode.toString(8)}`,
    });
  if ((mode & 0o222) === 0) throw readOnly(`is read-only (mode 0${mode.toString(8)})`);
  if (!(await canWrite(path))) throw readOnly('is not writable by this user');
  if (!(await canWrite(dirname(path)))) {
    throw readOnly(`is in a folder this user cannot write (SQLite keeps its journal next to the file)`);
  }
}

function canWrite(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Turns SQLite's refusals into molt's codes: busy or locked past the timeout is `locked` (naming the
 * processes that hold the file's locks, where the system says), a read-only file or folder `read-only`.
 * Anything else is returned as it is.
 * @example
 * catch (error) { throw await explainNativeError(error, 'app.sqlite', db.path); }
 */
export async function explainNativeError(error: unknown, label: string, path: string): Promise<unknown> {
  const code = sqliteCodeOf(error);
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED') || isBusyData(error)) {
    const holders = await findLockHolders(path);
    return new MoltError(
      'locked',
      `${label} is locked by ${describeHolders(holders)}, which kept it past the timeout; it was left as it is (wait for it to finish or close it, or raise --lock-timeout)`,
      { path: label, holders },
    );
  }
  if (code?.startsWith('SQLITE_CORRUPT') || code?.startsWith('SQLITE_NOTADB')) {
    return new MoltError(
      'corrupt-database',
      `${label} is damaged (SQLite cannot read it, so not even quick_check runs): ${(error as Error).message}`,
      {
        path: label,
        sqliteCode: code,
      },
    );
  }
  if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN')) {
    return new MoltError('read-only', `${label} cannot be written: ${(error as Error).message}`, {
      path: label,
      sqliteCode: code,
    });
  }
  return error;
}

function sqliteCodeOf(error: unknown): string | undefined {
  if (error instanceof SqliteError) return error.resultCode;
  // The engine wraps a failing statement; SQLite's message survives in its details.
  return undefined;
}

/** A `database is locked` that the engine already turned into error data or a MoltError. */
function isBusyData(error: unknown): boolean {
  if (!isMoltError(error) && !(error instanceof SqliteError)) return false;
  const message = isMoltError(error) ? String(error.details.sqliteMessage ?? error.message) : error.message;
  return /^database is locked$|: database is locked$/.test(message) || message === 'database is locked';
}

/**
 * The connection the engine gets for the write: after its `BEGIN IMMEDIATE`, SQLite's `data_version`
 * must be the one the pre-migrate snapshot was read at. Otherwise another process committed in
 * between, the snapshot is not the state being migrated, and the transaction is rolled back
 * (`plan-stale`) before anything changed.
 * @example
 * applyPlan(unchangedSince(db.conn, pre.dataVersion, 'app.sqlite'), plan);
 */
export function unchangedSince(conn: SqliteConnection, dataVersion: number, label: string): SqliteConnection {
  return {
    ...conn,
    exec(sql, params) {
      conn.exec(sql, params);
      if (/^\s*BEGIN\b/i.test(sql) && readDataVersion(conn) !== dataVersion) {
        conn.exec('ROLLBACK');
        throw new MoltError(
          'plan-stale',
          `${label} was changed by another process after its snapshot was taken; it was left as it is, run the command again`,
          { path: label },
        );
      }
    },
    query: (sql, params) => conn.query(sql, params),
    openScratch: () => conn.openScratch(),
    close: () => conn.close(),
  };
}

/**
 * `PRAGMA data_version`: changes when another connection commits to the database.
 * @example
 * const version = readDataVersion(db.conn);
 */
export function readDataVersion(conn: SqliteConnection): number {
  return Number(conn.query('PRAGMA data_version')[0]?.data_version);
}

/** A snapshot of the file taken in place (null for an empty file), and the `data_version` it was read at. */
export interface InPlaceSnapshot {
  saved: SaveResult | null;
  dataVersion: number;
}

/**
 * Saves the database file as a snapshot, read in pieces while this connection holds SQLite's write
 * lock (so nothing changes under the read). In WAL mode the WAL is checkpointed into the file first;
 * when a reader keeps that from finishing, the database is copied through SQLite's backup into a
 * temporary file next to it, which is read instead and removed.
 * @example
 * const pre = await snapshotInPlace(db, store, { reason: 'pre-migrate' });
 */
export async function snapshotInPlace(
  db: NativeDatabase,
  store: SnapshotStore,
  meta: SnapshotMeta,
  onProgress?: StreamProgress,
): Promise<InPlaceSnapshot> {
  const { conn } = db;
  const wal = String(conn.query('PRAGMA journal_mode')[0]?.journal_mode).toLowerCase() === 'wal';
  const merged = !wal || walMerged(conn.query('PRAGMA wal_checkpoint(TRUNCATE)')[0]);
  try {
    conn.exec('BEGIN IMMEDIATE');
  } catch (error) {
    throw await explainNativeError(error, db.label, db.path);
  }
  try {
    const dataVersion = readDataVersion(conn);
    const copy = merged ? null : await backupCopy(db);
    try {
      const file = await fileSource(copy ?? db.path);
      try {
        // An empty file is an empty database: nothing to lose, and the store holds only databases.
        if (file.source.byteLength === 0) return { saved: null, dataVersion };
        const saved = await store.saveSnapshot(file.source, meta, onProgress ? { onProgress } : {});
        return { saved, dataVersion };
      } finally {
        await file.close();
      }
    } finally {
      if (copy) await rm(copy, { force: true });
    }
  } finally {
    conn.exec('ROLLBACK');
  }
}

/** Whether a checkpoint left every WAL frame in the main file: `[busy, log, checkpointed]`. */
function walMerged(row: Record<string, unknown> | undefined): boolean {
  if (!row) return false;
  const log = Number(row.log);
  return Number(row.busy) === 0 || log <= 0 || log === Number(row.checkpointed);
}

/** A consistent copy of the database through SQLite's backup, as of this connection's transaction. */
async function backupCopy(db: NativeDatabase): Promise<string> {
  const copy = join(dirname(db.path), `.${basename(db.path)}.molt-${process.pid}-backup.tmp`);
  await rm(copy, { force: true });
  await db.conn.raw.backup(copy);
  return copy;
}

/**
 * A file as a `ByteSource`, read with positioned reads; close it when done.
 * @example
 * const file = await fileSource('/data/app.sqlite');
 * await store.saveSnapshot(file.source);
 * await file.close();
 */
export async function fileSource(path: string): Promise<{ source: ByteSource; close: () => Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  // One buffer for every read: a source's bytes need only last until its next read.
  let buffer = new Uint8Array(0);
  const source: ByteSource = {
    byteLength: size,
    async read(offset, length) {
      if (buffer.length < length) buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    },
  };
  return { source, close: () => handle.close() };
}

/**
 * Refuses, before anything is written, when the store's head does not verify (the new snapshot would
 * reuse its chunks), reading it in batches rather than whole.
 * @example
 * await checkStoreHead(store, 'app.sqlite');
 */
export async function checkStoreHead(store: SnapshotStore, label: string): Promise<void> {
  const list = await store.listSnapshots();
  if (list.length === 0) return;
  const head = list.find((s) => s.isHead);
  const result = head ? await store.verifySnapshot(head.id) : null;
  if (result?.kind === 'verified') return;
  throw new MoltError(
    'corrupt-snapshot',
    `the snapshot store of ${label} fails verification, so no pre-migrate snapshot can be trusted there: ` +
      `run 'molt verify ${label}', or pass --no-backup to go on without one`,
    { path: label, skipped: result && result.kind === 'corrupt' ? [result] : [{ id: null }] },
  );
}
