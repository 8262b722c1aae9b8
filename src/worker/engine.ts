/**
 * How the worker keeps the database it owns: the live connection, and how its state becomes the
 * durable head. Everything above this interface (the durability policy, the owner across tabs, the
 * startup migration) is written against it, so another SQLite engine plugs in by implementing it:
 *
 * - sql.js (`createSqlJsEngine`): the whole file lives in WebAssembly memory; `persist()` exports it and
 *   saves it as a snapshot (only the changed chunks are written).
 * - an engine whose commits are durable on their own (SQLite on OPFS) has little to do in `persist()`
 *   and `revert()`, and takes its snapshots by reading its file in pieces.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import type { SaveResult, SkippedSnapshot, SnapshotInfo, SnapshotStore } from '../storage/index.ts';

/** What opening found: the head it loaded (null for a new database) and snapshots it passed over. */
export interface EngineLoad {
  loaded: SnapshotInfo | null;
  skipped: SkippedSnapshot[];
}

/** What a persist wrote. */
export type PersistResult = Pick<SaveResult, 'snapshot' | 'generation' | 'bytesWritten' | 'chunksWritten'>;

export interface DatabaseEngine {
  /** The live connection. `revert`, `reload`, `restore` and `importBytes` replace it: read it at each use. */
  readonly conn: SqliteConnection;
  /** The snapshot store: the way back (pre-migrate, restore, export), listing, verification, retention. */
  readonly store: SnapshotStore;
  /**
   * Makes the live database the durable head. The state is captured synchronously, before this returns:
   * a write made after the call is not in it, one made before is. The service relies on that to know
   * which writes a persist carried, and to record a write together with its call id (both are made in
   * one synchronous step, so a persist has both or neither). An engine whose commits are durable on
   * their own must keep the same promise (one transaction for the write and its record).
   */
  persist(): Promise<PersistResult>;
  /** Records the persisted head again under `reason`, without copying data (the pre-migrate snapshot). */
  snapshotHead(reason: 'pre-migrate'): Promise<PersistResult>;
  /** Puts the live database back to the state of the last successful persist (after a failed one). */
  revert(): Promise<void>;
  /** Reads the head from the store again (after another writer moved it) and opens it. */
  reload(): Promise<EngineLoad>;
  /** Makes snapshot `id` the head (a new `restore` snapshot) and the live database. */
  restore(id: string): Promise<SnapshotInfo>;
  /** Replaces the database with outside bytes (checked first), persisted as a new `manual` snapshot. */
  importBytes(bytes: Uint8Array): Promise<SaveResult>;
  /** The live database as a file. */
  exportLive(): Promise<Uint8Array>;
  /** Closes the connection and the store. */
  close(): Promise<void>;
}

/** What an engine needs from the service: how to prepare a connection and describe a snapshot. */
export interface EngineHooks {
  /** Applied to every connection the engine opens (foreign keys, …). */
  configure(conn: SqliteConnection): void;
  /** The manifest fields of a snapshot of `conn` (schema hash, app version). */
  describe(conn: SqliteConnection): { schemaHash?: string | null; appVersion?: string | null };
}

/** Opens the database called `name`: loads its head (or starts empty) and returns the engine over it. */
export type OpenEngine = (
  name: string,
  hooks: EngineHooks,
) => Promise<{ engine: DatabaseEngine; load: EngineLoad }>;
