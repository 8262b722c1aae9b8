/**
 * Snapshots of databases too large to hold in memory: saved from a source read in pieces (a file on
 * disk, an OPFS file) and read back as a stream of verified chunks. The chunks, their hashes and the
 * manifest are exactly those `saveSnapshot(bytes)` makes of the same bytes, so snapshots taken either
 * way share chunks and restore alike.
 */
import { MoltError } from '../engine/errors.ts';
import { chunkCount, chunkLength, fileHash, hashChunks } from './chunks.ts';
import type { ChunkEntry } from './kv-port.ts';
import { assertSqliteDatabase, newSnapshotId, readUserVersion, type SnapshotManifest } from './manifest.ts';
import { corruptSnapshot, requireManifest } from './read.ts';
import {
  builtOnVerified,
  type CommitOptions,
  commitManifest,
  headFor,
  result,
  type SaveResult,
  type SnapshotMeta,
} from './save.ts';
import { sha256Hex } from './seal.ts';
import type { StoreContext } from './store-context.ts';
import { unique } from './write-chunks.ts';

/**
 * Bytes read in pieces. It must not change while a save reads it (the CLI holds SQLite's read lock).
 * @example
 * const source: ByteSource = { byteLength: bytes.length, read: async (o, n) => bytes.subarray(o, o + n) };
 */
export interface ByteSource {
  readonly byteLength: number;
  /**
   * Exactly `length` bytes from `offset` (the caller never reads past `byteLength`). The bytes need only
   * stay valid until the next call, so a source may reuse one buffer.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * Bytes read in a source's pieces: at most this many at a time, whole chunks. 4 MiB keeps a save's
 * memory small next to SQLite's page cache while each disk or IndexedDB call still moves 20 chunks.
 */
export const SOURCE_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * True for a `ByteSource` (anything with `byteLength` and `read`), false for a byte array.
 * @example
 * isByteSource(bytes); // false
 */
export function isByteSource(value: Uint8Array | ByteSource): value is ByteSource {
  return !(value instanceof Uint8Array) && typeof (value as ByteSource).read === 'function';
}

/**
 * A source over bytes already in memory (for tests, and callers that have them).
 * @example
 * await store.saveSnapshot(bytesSource(bytes));
 */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    byteLength: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** Told after each piece of a save or read, with the bytes done so far and the total. */
export type StreamProgress = (done: number, total: number) => void;

/**
 * Saves a source as the new head, reading it once, one window at a time: each window is hashed and its
 * chunks that the store lacks are written before the next is read, so memory holds one window whatever
 * the file's size. Then one commit, as for bytes.
 * @example
 * const { snapshot } = await saveSnapshotFromSource(source, { reason: 'pre-migrate' }, {}, context);
 */
export async function saveSnapshotFromSource(
  source: ByteSource,
  meta: SnapshotMeta,
  options: CommitOptions & { onProgress?: StreamProgress },
  context: StoreContext,
): Promise<SaveResult> {
  if ((meta.reason as string) === 'restore') {
    throw new MoltError('invalid-argument', 'Use restoreSnapshot to make a restore snapshot.', {});
  }
  const { byteLength } = source;
  // A copy: a source may hand out the same buffer again on its next read.
  const header = (await readExactly(source, 0, Math.min(100, byteLength))).slice();
  assertSqliteDatabase(header);
  const head = await headFor(options, context);
  const inHead = new Set(await headChunks(head, context));
  const hashes: string[] = [];
  const written = new Set<string>();
  let bytesWritten = 0;
  const window = Math.max(1, Math.floor(SOURCE_WINDOW_BYTES / context.chunkSize)) * context.chunkSize;
  for (let offset = 0; offset < byteLength; offset += window) {
    const piece = await readExactly(source, offset, Math.min(window, byteLength - offset));
    const pieceHashes = await hashChunks(piece, context.chunkSize);
    const entries = await missingEntries(piece, pieceHashes, inHead, written, context);
    if (entries.length > 0) await context.port.writeChunks(entries);
    for (const entry of entries) {
      written.add(entry.hash);
      context.suspectChunks.delete(entry.hash);
      bytesWritten += entry.bytes.length;
    }
    hashes.push(...pieceHashes);
    options.onProgress?.(offset + piece.length, byteLength);
  }
  const manifest: SnapshotManifest = {
    format: 1,
    id: newSnapshotId(head.generation + 1),
    generation: head.generation + 1,
    createdAt: context.now().toISOString(),
    reason: meta.reason ?? 'save',
    byteLength,
    fileHash: await fileHash(byteLength, context.chunkSize, hashes),
    chunkSize: context.chunkSize,
    chunks: hashes,
    userVersion: readUserVersion(header),
    schemaHash: meta.schemaHash ?? null,
    appVersion: meta.appVersion ?? null,
    sourceId: null,
  };
  const required = unique(hashes).filter((hash) => !inHead.has(hash));
  const rewrite = (missing: readonly string[]) => rewriteFromSource(source, hashes, missing, context);
  // Whether it is verified by construction is judged as for bytes, before the image is forgotten.
  const verified = builtOnVerified(hashes, written, { ...context, image: undefined });
  const commit = await commitManifest(manifest, head, { required, inline: [], rewrite }, context);
  if (verified) context.verified.add(manifest.id);
  // The store remembers the last image to hash only what changed next time; a source is not kept.
  context.image = undefined;
  return result(manifest, written.size + commit.chunks, bytesWritten + commit.bytes);
}

async function headChunks(
  head: Awaited<ReturnType<typeof headFor>>,
  context: StoreContext,
): Promise<string[]> {
  const id = head.record?.snapshotId;
  if (!id) return [];
  if (context.image?.manifest.id === id) return [...context.image.manifest.chunks];
  try {
    return [...(await requireManifest(id, context)).chunks];
  } catch {
    return [];
  }
}

/** The chunks of a piece to write: not in the head, not written already, and not in the store (or suspect). */
async function missingEntries(
  piece: Uint8Array,
  hashes: readonly string[],
  inHead: ReadonlySet<string>,
  written: ReadonlySet<string>,
  context: StoreContext,
): Promise<ChunkEntry[]> {
  const firstIndex = new Map<string, number>();
  hashes.forEach((hash, i) => {
    if (!firstIndex.has(hash) && !written.has(hash)) firstIndex.set(hash, i);
  });
  const suspect = [...firstIndex.keys()].filter((hash) => context.suspectChunks.has(hash));
  const candidates = [...firstIndex.keys()].filter((hash) => !inHead.has(hash) && !suspect.includes(hash));
  const present = candidates.length > 0 ? await context.port.hasChunks(candidates) : [];
  const wanted = [...candidates.filter((_, i) => !present[i]), ...suspect];
  return wanted.map((hash) => {
    const i = firstIndex.get(hash) as number;
    return { hash, bytes: piece.subarray(i * context.chunkSize, (i + 1) * context.chunkSize) };
  });
}

/** Writes chunks again from the source (a concurrent collection removed them), checking each hash. */
async function rewriteFromSource(
  source: ByteSource,
  hashes: readonly string[],
  missing: readonly string[],
  context: StoreContext,
): Promise<{ chunks: number; bytes: number }> {
  let bytes = 0;
  for (const hash of missing) {
    const index = hashes.indexOf(hash);
    const chunk = await readExactly(
      source,
      index * context.chunkSize,
      chunkLength(source.byteLength, index, context.chunkSize),
    );
    if ((await sha256Hex(chunk)) !== hash) {
      throw corruptSnapshot(null, [{ kind: 'chunk-corrupt', index, hash }]);
    }
    await context.port.writeChunks([{ hash, bytes: chunk }]);
    bytes += chunk.length;
  }
  return { chunks: missing.length, bytes };
}

async function readExactly(source: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) {
    throw new MoltError('storage-error', `Reading ${length} bytes at ${offset} gave ${bytes.length}.`, {
      offset,
      length,
    });
  }
  return bytes;
}

/**
 * A snapshot's bytes as a stream of chunks, each checked against its hash before it is handed out (and
 * the chunk list against the file hash before the first), read `batchBytes` at a time: a restore or an
 * export of any size in bounded memory. Fails with `corrupt-snapshot` at the first bad chunk, so a
 * consumer must treat what it wrote so far as incomplete until the stream ends.
 * @example
 * for await (const chunk of readSnapshotChunks(id, context)) await file.write(chunk);
 */
export async function* readSnapshotChunks(
  id: string,
  context: StoreContext,
): AsyncGenerator<Uint8Array, void, undefined> {
  const manifest = await requireManifest(id, context);
  if ((await fileHash(manifest.byteLength, manifest.chunkSize, manifest.chunks)) !== manifest.fileHash) {
    throw corruptSnapshot(id, [{ kind: 'file-hash-mismatch' }]);
  }
  const perBatch = Math.max(1, Math.floor(context.batchBytes / manifest.chunkSize));
  const count = chunkCount(manifest.byteLength, manifest.chunkSize);
  for (let start = 0; start < count; start += perBatch) {
    const indexes = Array.from({ length: Math.min(perBatch, count - start) }, (_, k) => start + k);
    const hashes = indexes.map((i) => manifest.chunks[i] as string);
    const chunks = await context.port.readChunks(hashes);
    const checks = await Promise.all(chunks.map((chunk) => (chunk ? sha256Hex(chunk) : undefined)));
    for (const [k, index] of indexes.entries()) {
      const hash = hashes[k] as string;
      const chunk = chunks[k];
      const length = chunkLength(manifest.byteLength, index, manifest.chunkSize);
      if (!chunk || checks[k] !== hash || chunk.length !== length) {
        context.suspectChunks.add(hash);
        throw corruptSnapshot(id, [{ kind: chunk ? 'chunk-corrupt' : 'chunk-missing', index, hash }]);
      }
    }
    for (const chunk of chunks) yield chunk as Uint8Array;
  }
}
