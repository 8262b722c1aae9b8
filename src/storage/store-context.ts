/**
 * The state one snapshot store keeps between calls, and the small types its operations share.
 */
import type { KvPort } from './kv-port.ts';
import type { HeadRecord, SnapshotManifest } from './manifest.ts';

/** The head as read: its raw bytes (for compare-and-swap), its record when it decodes, its generation. */
export interface HeadState {
  raw: Uint8Array | undefined;
  record: HeadRecord | undefined;
  /** The head's generation; when the record is missing or corrupt, the newest manifest's. */
  generation: number;
}

/** What a store remembers between calls. Operations take it as their last argument. */
export interface StoreContext {
  port: KvPort;
  /** Size of new snapshots' chunks; snapshots keep the size they were written with. */
  chunkSize: number;
  /** Upper bound of chunk bytes read or written per adapter call (bounds memory and transaction size). */
  batchBytes: number;
  now: () => Date;
  /**
   * The head as this store last read or committed it: the default expectation of its next commit (so a
   * store never overwrites a head another writer moved), and what that commit compares against.
   */
  head: HeadState | undefined;
  /** The bytes last saved or loaded and their manifest: lets the next save hash only what changed. */
  image: { bytes: Uint8Array; manifest: SnapshotManifest } | undefined;
  /** Chunks found missing or corrupt by a read: a save rewrites them instead of trusting the copy. */
  suspectChunks: Set<string>;
  /**
   * Snapshots this store read back and verified during its lifetime, or committed from such data
   * (reusing only chunks of a verified snapshot, writing the rest from the bytes at hand).
   */
  verified: Set<string>;
}

/** A snapshot as listed: the manifest without its chunk list. */
export type SnapshotInfo = Omit<SnapshotManifest, 'chunks' | 'format'> & { chunkCount: number };

/** What a verification found wrong with a snapshot or the head. */
export type SnapshotProblem =
  | { kind: 'head-missing' }
  | { kind: 'head-corrupt' }
  | { kind: 'manifest-missing' }
  | { kind: 'manifest-corrupt' }
  | { kind: 'chunk-missing'; index: number; hash: string }
  | { kind: 'chunk-corrupt'; index: number; hash: string }
  | { kind: 'file-hash-mismatch' };

/**
 * The listed form of a manifest.
 * @example
 * const info = toInfo(manifest); // { id, generation, reason, byteLength, chunkCount, … }
 */
export function toInfo(manifest: SnapshotManifest): SnapshotInfo {
  const { chunks, format: _format, ...rest } = manifest;
  return { ...rest, chunkCount: chunks.length };
}
