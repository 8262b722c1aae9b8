/**
 * molt's snapshot store: checksummed, content-addressed, incremental snapshots of a SQLite database, in
 * IndexedDB (browsers, workers) or in a directory next to the database file (Node, the CLI).
 */
export {
  type ChunkedImage,
  chunkCount,
  DEFAULT_CHUNK_SIZE,
  fileHash,
  hashChunks,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
} from './chunks.ts';
export {
  createDiskPort,
  type DiskFileHandle,
  type DiskFs,
  type DiskPortOptions,
  storeDirectoryFor,
} from './disk-port.ts';
export { createIndexedDbPort, INDEXEDDB_STORE_NAME, indexedDbName } from './indexeddb-port.ts';
export type {
  ChunkEntry,
  CommitRequest,
  CommitResult,
  DeleteChunksResult,
  KvPort,
  StorageEstimate,
} from './kv-port.ts';
export {
  assertSqliteDatabase,
  type HeadRecord,
  readUserVersion,
  type SnapshotManifest,
  type SnapshotReason,
} from './manifest.ts';
export type {
  LoadedHead,
  LoadedSnapshot,
  SkippedSnapshot,
  SnapshotListEntry,
  VerifyResult,
} from './read.ts';
export {
  DEFAULT_RETENTION,
  type GarbageResult,
  type PruneResult,
  type RetentionPolicy,
  type StoreUsage,
} from './retention.ts';
export type { CommitOptions, RestoreResult, SaveResult, SnapshotMeta } from './save.ts';
export {
  createSnapshotStore,
  DEFAULT_BATCH_BYTES,
  type SaveOptions,
  type SnapshotStore,
  type SnapshotStoreOptions,
} from './snapshot-store.ts';
export type { SnapshotInfo, SnapshotProblem } from './store-context.ts';
export {
  type ByteSource,
  bytesSource,
  isByteSource,
  SOURCE_WINDOW_BYTES,
  type StreamProgress,
} from './stream.ts';
export type { HeadStatus, StoreReport } from './verify-store.ts';
