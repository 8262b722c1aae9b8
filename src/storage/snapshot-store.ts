/**
 * The snapshot store: content-addressed chunks, a sealed manifest per snapshot, a head record with a
 * generation, compare-and-swap commits, verification on every read, retention and garbage collection.
 * Written once over `KvPort`; `createSnapshotStore` binds the operations to one port and its state.
 */
import { MoltError } from '../engine/errors.ts';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from './chunks.ts';
import type { KvPort } from './kv-port.ts';
import {
  type LoadedHead,
  type LoadedSnapshot,
  listSnapshots,
  loadHead,
  loadSnapshot,
  type SnapshotListEntry,
  type VerifyResult,
  verifySnapshot,
} from './read.ts';
import {
  collectGarbage,
  deleteSnapshot,
  type GarbageResult,
  type PruneResult,
  prune,
  type RetentionPolicy,
  type StoreUsage,
  usage,
} from './retention.ts';
import {
  type CommitOptions,
  type RestoreResult,
  restoreSnapshot,
  type SaveResult,
  type SnapshotMeta,
  saveSnapshot,
  snapshotHead,
} from './save.ts';
import type { StoreContext } from './store-context.ts';
import {
  type ByteSource,
  isByteSource,
  readSnapshotChunks,
  type StreamProgress,
  saveSnapshotFromSource,
} from './stream.ts';
import { type StoreReport, verifyStore } from './verify-store.ts';

/** Options of `saveSnapshot`. */
export interface SaveOptions extends CommitOptions {
  /** For a `ByteSource`: told after each piece read, with the bytes done and the total. */
  onProgress?: StreamProgress;
}

/** Options of `createSnapshotStore`. */
export interface SnapshotStoreOptions {
  /** Chunk size of new snapshots, in bytes; a multiple of 1024. Default `DEFAULT_CHUNK_SIZE`. */
  chunkSize?: number;
  /** Chunk bytes per adapter call when reading or writing. Default `DEFAULT_BATCH_BYTES`. */
  batchBytes?: number;
  /** The clock for `createdAt` (tests pin it). */
  now?: () => Date;
}

/**
 * Chunk bytes per write transaction and per read: 32 MiB keeps the memory a save or load needs beyond the
 * file itself small and bounded, while a 100 MB file still takes only four transactions.
 */
export const DEFAULT_BATCH_BYTES = 32 * 1024 * 1024;

/**
 * The store's operations, bound to one port. Errors are MoltError with a code: `not-a-database`,
 * `stale-head`, `corrupt-snapshot`, `snapshot-not-found`, `quota-exceeded`, `storage-error`,
 * `invalid-argument` (and `locked` on disk).
 */
export interface SnapshotStore {
  readonly port: KvPort;
  /**
   * Saves database bytes as the new head; writes only chunks the store lacks (save.ts). A `ByteSource`
   * is read in pieces instead, for files too large to hold in memory (stream.ts); the snapshot is the
   * same either way.
   */
  saveSnapshot(
    bytes: Uint8Array | ByteSource,
    meta?: SnapshotMeta,
    options?: SaveOptions,
  ): Promise<SaveResult>;
  /** Records the head again (reason `pre-migrate` by default) without touching a chunk (save.ts). */
  snapshotHead(reason?: 'pre-migrate' | 'manual', options?: CommitOptions): Promise<SaveResult>;
  /** The newest snapshot that verifies, with what was skipped to reach it; undefined when empty. */
  loadHead(): Promise<LoadedHead | undefined>;
  /** One snapshot's bytes, verified. */
  loadSnapshot(id: string): Promise<LoadedSnapshot>;
  /** One snapshot's bytes as verified chunks, in order, a batch in memory at a time (stream.ts). */
  readSnapshot(id: string): AsyncIterable<Uint8Array>;
  /** Snapshots whose manifests decode, newest first. */
  listSnapshots(): Promise<SnapshotListEntry[]>;
  /** Reads one snapshot back and reports what is wrong with it, if anything. */
  verifySnapshot(id: string): Promise<VerifyResult>;
  /** Checks the head, every manifest and every stored chunk (what `molt verify` reports). */
  verifyStore(): Promise<StoreReport>;
  /** Makes a verified snapshot the head again, as a new `restore` snapshot; returns its bytes. */
  restoreSnapshot(id: string, options?: CommitOptions): Promise<RestoreResult>;
  /** Deletes a snapshot other than the head and the newest that verifies. */
  deleteSnapshot(id: string): Promise<void>;
  /** Applies a retention policy (defaults: `DEFAULT_RETENTION`). */
  prune(policy?: RetentionPolicy): Promise<PruneResult>;
  /** Deletes chunks no manifest references, and leftovers of interrupted writes. */
  collectGarbage(): Promise<GarbageResult>;
  /** Bytes stored, and the platform's usage and quota where known. */
  usage(): Promise<StoreUsage>;
  /** Closes the port; the store must not be used afterwards. */
  close(): Promise<void>;
}

/**
 * Creates a snapshot store over a port.
 * @example
 * const store = createSnapshotStore(createIndexedDbPort('notes'));
 * const head = await store.loadHead();
 * const db = openSqlJs(sqlite, head?.bytes);
 * // …
 * await store.saveSnapshot(db.export(), { appVersion: '1.4.0' });
 */
export function createSnapshotStore(port: KvPort, options: SnapshotStoreOptions = {}): SnapshotStore {
  const context = createContext(port, options);
  return {
    port,
    saveSnapshot: (bytes, meta = {}, commit = {}) =>
      isByteSource(bytes)
        ? saveSnapshotFromSource(bytes, meta, commit, context)
        : saveSnapshot(bytes, meta, commit, context),
    snapshotHead: (reason = 'pre-migrate', commit = {}) => snapshotHead(reason, commit, context),
    loadHead: () => loadHead(context),
    loadSnapshot: (id) => loadSnapshot(id, context),
    readSnapshot: (id) => readSnapshotChunks(id, context),
    listSnapshots: () => listSnapshots(context),
    verifySnapshot: (id) => verifySnapshot(id, context),
    verifyStore: () => verifyStore(context),
    restoreSnapshot: (id, commit = {}) => restoreSnapshot(id, commit, context),
    deleteSnapshot: (id) => deleteSnapshot(id, context),
    prune: (policy = {}) => prune(policy, context),
    collectGarbage: () => collectGarbage(context),
    usage: () => usage(context),
    close: () => port.close(),
  };
}

/**
 * The state behind a store, for calling the operations in save.ts, read.ts and retention.ts directly.
 * @example
 * const context = createContext(createDiskPort('app.db.molt', fs));
 * await saveSnapshot(bytes, {}, {}, context);
 */
export function createContext(port: KvPort, options: SnapshotStoreOptions = {}): StoreContext {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (
    !Number.isInteger(chunkSize) ||
    chunkSize % 1024 !== 0 ||
    chunkSize < MIN_CHUNK_SIZE ||
    chunkSize > MAX_CHUNK_SIZE
  ) {
    throw new MoltError(
      'invalid-argument',
      'chunkSize must be a multiple of 1024 between 1 KiB and 16 MiB.',
      {
        chunkSize,
      },
    );
  }
  return {
    port,
    chunkSize,
    batchBytes: Math.max(chunkSize, options.batchBytes ?? DEFAULT_BATCH_BYTES),
    now: options.now ?? (() => new Date()),
    head: undefined,
    image: undefined,
    suspectChunks: new Set(),
    verified: new Set(),
  };
}
