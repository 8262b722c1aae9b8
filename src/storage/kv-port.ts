/**
 * The port the snapshot store is written against: a few keyed reads and writes of opaque bytes, plus one
 * atomic commit. Adapters: IndexedDB (`indexeddb-port.ts`) and a directory on disk (`disk-port.ts`).
 *
 * The store keeps three kinds of values:
 * - chunks, under the lower-case hex SHA-256 of their bytes (written before a commit, shared by snapshots);
 * - manifests, one per snapshot id (sealed records; see `manifest.ts`);
 * - the head record (sealed), naming the current snapshot and its generation.
 *
 * An adapter does not interpret manifests or the head: it compares the head's bytes in `commit` and
 * `deleteChunks`, which is what makes both a compare-and-swap on the head.
 */

/** One chunk to write. `bytes` may be a view into a larger buffer: store only the view's bytes. */
export interface ChunkEntry {
  hash: string;
  bytes: Uint8Array;
}

/** What `commit` writes, all or nothing. */
export interface CommitRequest {
  /** The head's bytes as the caller last read them (undefined: no head). The commit fails unless equal. */
  expectHead: Uint8Array | undefined;
  /** The new head record. */
  head: Uint8Array;
  /** The new snapshot's id and manifest. */
  manifestId: string;
  manifest: Uint8Array;
  /**
   * Chunks to write in the same step, before manifest and head: a save that changed a few chunks then
   * costs one durable transaction instead of two. Written whether or not they are already stored.
   */
  chunks: readonly ChunkEntry[];
  /**
   * Chunks that must exist when the commit happens (besides `chunks`): those a concurrent collection
   * may have removed since the caller saw them.
   */
  requireChunks: readonly string[];
}

/** The outcome of a commit. Only `committed` changed anything. */
export type CommitResult =
  | { kind: 'committed' }
  | { kind: 'stale-head'; head: Uint8Array | undefined }
  | { kind: 'missing-chunks'; hashes: string[] };

/** The outcome of a guarded chunk deletion. */
export type DeleteChunksResult = { kind: 'deleted' } | { kind: 'stale-head' };

/** Bytes used and available to the origin (browser) or on the volume (disk). */
export interface StorageEstimate {
  usage: number;
  quota: number;
}

/**
 * The key-value port. Failures are thrown as MoltError: `quota-exceeded` when storage is full,
 * `storage-error` otherwise. Nothing but `commit` may change the head.
 */
export interface KvPort {
  /** `indexeddb`, `disk`, or another adapter's name, for reports. */
  readonly kind: string;
  /** The head record's bytes, or undefined when the store has none. */
  readHead(): Promise<Uint8Array | undefined>;
  /** A manifest's bytes, or undefined when there is no such snapshot. */
  readManifest(id: string): Promise<Uint8Array | undefined>;
  /** The ids of every stored manifest, in no particular order. */
  listManifestIds(): Promise<string[]>;
  /** Removes a manifest; removing a missing one is not an error. */
  deleteManifest(id: string): Promise<void>;
  /** The chunks under these hashes (undefined where missing), in order. */
  readChunks(hashes: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  /** Whether each hash has a stored chunk, in order. */
  hasChunks(hashes: readonly string[]): Promise<boolean[]>;
  /** Stores chunks durably (overwriting any stored under the same hash). */
  writeChunks(chunks: readonly ChunkEntry[]): Promise<void>;
  /** Every stored chunk hash, in no particular order. */
  listChunkHashes(): Promise<string[]>;
  /** Deletes chunks, unless the head changed from `expectHead`: atomic with respect to `commit`. */
  deleteChunks(hashes: readonly string[], expectHead: Uint8Array | undefined): Promise<DeleteChunksResult>;
  /** Checks the head and the required chunks, then writes manifest and head together, durably. */
  commit(request: CommitRequest): Promise<CommitResult>;
  /** Usage and quota where the platform can tell. */
  estimate(): Promise<StorageEstimate | undefined>;
  /** Removes leftovers of interrupted writes (temporary files); returns how many. */
  collectTemporaries(): Promise<number>;
  /** Releases connections or handles; the port must not be used afterwards. */
  close(): Promise<void>;
}
