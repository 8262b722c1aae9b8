/**
 * Writing snapshots: hash, store the chunks the store lacks, then one atomic commit that checks the head
 * (compare-and-swap) and writes manifest and head together. A failure anywhere before the commit leaves
 * the old head as it was; chunks written by a failed save are orphans that `collectGarbage` removes.
 *
 * The common case, a save after a small change, costs one durable transaction: the few changed chunks
 * travel inside the commit, the head is compared against the one this store last saw (no read first),
 * and only the chunks that differ from the last image are hashed.
 */
import { MoltError } from '../engine/errors.ts';
import { fileHash, hashChunks } from './chunks.ts';
import type { ChunkEntry } from './kv-port.ts';
import {
  assertSqliteDatabase,
  decodeHead,
  encodeHead,
  encodeManifest,
  newSnapshotId,
  readUserVersion,
  type SnapshotManifest,
  type SnapshotReason,
} from './manifest.ts';
import { corruptSnapshot, readHeadState, readManifest, readVerified, requireManifest } from './read.ts';
import { type HeadState, type SnapshotInfo, type StoreContext, toInfo } from './store-context.ts';
import { storeChunks, unique, writeChunks } from './write-chunks.ts';

/** What the caller knows about the bytes it saves. */
export interface SnapshotMeta {
  /** `save` unless said otherwise; `restore` is reserved for `restoreSnapshot`. */
  reason?: Exclude<SnapshotReason, 'restore'>;
  schemaHash?: string | null;
  appVersion?: string | null;
}

/** Options of every operation that moves the head. */
export interface CommitOptions {
  /**
   * The head generation the caller's data derives from; any other current head is `stale-head`.
   * Defaults to the generation this store last loaded or committed, so a store never silently
   * overwrites a head another tab wrote; a store that has seen no head accepts the current one.
   */
  expectedGeneration?: number;
}

/** The outcome of a commit. */
export interface SaveResult {
  snapshot: SnapshotInfo;
  /** The new head generation. */
  generation: number;
  /** Chunks written by this call (the others were already stored). */
  chunksWritten: number;
  /** Every byte this call wrote: chunks, the manifest and the head record. */
  bytesWritten: number;
}

/** How many times a commit is retried after a concurrent collection removed chunks it needs. */
const COMMIT_ATTEMPTS = 3;

/**
 * Saves `bytes` as the new head. Writes only the chunks the store does not hold; after a save or load
 * of nearly the same bytes, hashes only the chunks that differ from them. The store keeps a reference
 * to `bytes` for that comparison: do not modify them afterwards (transferring them is fine).
 * @example
 * const { snapshot } = await saveSnapshot(conn.export(), { appVersion: '2.1.0' }, {}, context);
 */
export async function saveSnapshot(
  bytes: Uint8Array,
  meta: SnapshotMeta,
  options: CommitOptions,
  context: StoreContext,
): Promise<SaveResult> {
  assertSqliteDatabase(bytes);
  if ((meta.reason as string) === 'restore') {
    throw new MoltError('invalid-argument', 'Use restoreSnapshot to make a restore snapshot.', {});
  }
  const head = await headFor(options, context);
  const image = context.image && { ...context.image.manifest, bytes: context.image.bytes };
  const hashes = await hashChunks(bytes, context.chunkSize, image);
  const required = await chunksOutsideHead(hashes, head, context);
  const written = await storeChunks(bytes, hashes, required, context);
  const manifest: SnapshotManifest = {
    format: 1,
    id: newSnapshotId(head.generation + 1),
    generation: head.generation + 1,
    createdAt: context.now().toISOString(),
    reason: meta.reason ?? 'save',
    byteLength: bytes.length,
    fileHash: await fileHash(bytes.length, context.chunkSize, hashes),
    chunkSize: context.chunkSize,
    chunks: hashes,
    userVersion: readUserVersion(bytes),
    schemaHash: meta.schemaHash ?? null,
    appVersion: meta.appVersion ?? null,
    sourceId: null,
  };
  const rewrite = (missing: readonly string[]) => writeChunks(bytes, hashes, missing, context);
  const commit = await commitManifest(manifest, head, { required, inline: written.inline, rewrite }, context);
  if (builtOnVerified(hashes, written.hashes, context)) context.verified.add(manifest.id);
  context.image = { bytes, manifest };
  return result(manifest, written.chunks + commit.chunks, written.bytes + commit.bytes);
}

/**
 * Records a snapshot of the head without reading, hashing or writing a chunk: a manifest that reuses the
 * head's chunk list (reason `pre-migrate` unless given), committed as the new head. For a caller that
 * knows the head holds its current bytes, as after loading it; the compare-and-swap enforces that.
 * @example
 * const before = await snapshotHead('pre-migrate', {}, context);
 */
export async function snapshotHead(
  reason: Exclude<SnapshotReason, 'restore' | 'save'>,
  options: CommitOptions,
  context: StoreContext,
): Promise<SaveResult> {
  const head = await headFor(options, context);
  if (!head.raw) throw new MoltError('snapshot-not-found', 'The store has no head snapshot yet.', {});
  if (!head.record) throw corruptSnapshot(null, [{ kind: 'head-corrupt' }]);
  const headId = head.record.snapshotId;
  const source =
    context.image?.manifest.id === headId ? context.image.manifest : await requireManifest(headId, context);
  const manifest: SnapshotManifest = {
    ...source,
    id: newSnapshotId(head.generation + 1),
    generation: head.generation + 1,
    createdAt: context.now().toISOString(),
    reason,
    sourceId: source.id,
  };
  const commit = await commitManifest(manifest, head, { required: [], inline: [] }, context);
  if (context.verified.has(source.id)) context.verified.add(manifest.id);
  if (context.image?.manifest.id === source.id) context.image = { bytes: context.image.bytes, manifest };
  return result(manifest, 0, commit.bytes);
}

/** A restore: the new head snapshot and its (verified) bytes, to reopen the database with. */
export interface RestoreResult extends SaveResult {
  bytes: Uint8Array;
}

/**
 * Makes snapshot `id` the head again, as a new snapshot with reason `restore` (so the restore itself can
 * be undone by restoring the previous head). The snapshot is verified first; a corrupt one is refused.
 * @example
 * const { bytes } = await restoreSnapshot('000003-ab12cd34', {}, context);
 */
export async function restoreSnapshot(
  id: string,
  options: CommitOptions,
  context: StoreContext,
): Promise<RestoreResult> {
  const head = await headFor(options, context);
  const source = await requireManifest(id, context);
  const { problems, bytes } = await readVerified(source, true, context);
  if (!bytes) throw corruptSnapshot(id, problems);
  const manifest: SnapshotManifest = {
    ...source,
    id: newSnapshotId(head.generation + 1),
    generation: head.generation + 1,
    createdAt: context.now().toISOString(),
    reason: 'restore',
    sourceId: id,
  };
  const required = await chunksOutsideHead(source.chunks, head, context);
  const rewrite = (missing: readonly string[]) => writeChunks(bytes, source.chunks, missing, context);
  const commit = await commitManifest(manifest, head, { required, inline: [], rewrite }, context);
  context.verified.add(manifest.id);
  context.image = { bytes, manifest };
  return { ...result(manifest, commit.chunks, commit.bytes), bytes };
}

/**
 * Whether a new snapshot is verified by construction: every chunk it reuses (did not write from the
 * bytes at hand) belongs to the image, which was read back and verified.
 */
export function builtOnVerified(
  hashes: readonly string[],
  written: ReadonlySet<string>,
  context: StoreContext,
): boolean {
  const image = context.image;
  if (!image || !context.verified.has(image.manifest.id))
    return written.size > 0 && hashes.every((h) => written.has(h));
  const fromImage = new Set(image.manifest.chunks);
  return hashes.every((hash) => written.has(hash) || fromImage.has(hash));
}

/**
 * The head a commit will compare against: the one this store last saw, unless the caller expects a
 * different generation, in which case the current head is read and must have that generation.
 */
export async function headFor(options: CommitOptions, context: StoreContext): Promise<HeadState> {
  const expected = options.expectedGeneration;
  const known = context.head;
  if (known && (expected === undefined || expected === known.generation)) return known;
  const head = await readHeadState(context);
  if (expected !== undefined && expected !== head.generation) throw staleHead(expected, head.generation);
  return head;
}

function staleHead(expected: number, actual: number | undefined): MoltError {
  return new MoltError('stale-head', 'The head moved since this data was read: another writer saved first.', {
    expectedGeneration: expected,
    actualGeneration: actual ?? null,
  });
}

/** The distinct hashes of `hashes` that the head's manifest does not reference. */
export async function chunksOutsideHead(
  hashes: readonly string[],
  head: HeadState,
  context: StoreContext,
): Promise<string[]> {
  const headId = head.record?.snapshotId;
  let headChunks: readonly string[] = [];
  if (headId && context.image?.manifest.id === headId) headChunks = context.image.manifest.chunks;
  else if (headId) {
    const read = await readManifest(headId, context);
    if (read.kind === 'ok') headChunks = read.manifest.chunks;
  }
  const inHead = new Set(headChunks);
  return unique(hashes).filter((hash) => !inHead.has(hash));
}

export interface CommitChunks {
  /** Chunks the commit needs that the head does not reference. */
  required: readonly string[];
  /** Chunks written inside the commit. */
  inline: readonly ChunkEntry[];
  /** Writes chunks again from the file if a concurrent collection removed them. */
  rewrite?: (hashes: readonly string[]) => Promise<{ chunks: number; bytes: number }>;
}

/**
 * Commits manifest + head. When a concurrent collection removed chunks the manifest needs, writes them
 * again from `bytes` and retries; without bytes to rewrite from, that is `corrupt-snapshot`.
 */
export async function commitManifest(
  manifest: SnapshotManifest,
  head: HeadState,
  chunks: CommitChunks,
  context: StoreContext,
): Promise<{ chunks: number; bytes: number }> {
  const manifestBytes = await encodeManifest(manifest);
  const record = { format: 1 as const, snapshotId: manifest.id, generation: manifest.generation };
  const headBytes = await encodeHead(record);
  const inlineBytes = chunks.inline.reduce((sum, e) => sum + e.bytes.length, 0);
  const written = {
    chunks: chunks.inline.length,
    bytes: inlineBytes + manifestBytes.length + headBytes.length,
  };
  for (let attempt = 1; ; attempt++) {
    const outcome = await context.port.commit({
      expectHead: head.raw,
      head: headBytes,
      manifestId: manifest.id,
      manifest: manifestBytes,
      chunks: chunks.inline,
      requireChunks: chunks.required,
    });
    if (outcome.kind === 'committed') break;
    if (outcome.kind === 'stale-head') {
      // The store keeps expecting the head it saw: later saves fail too until it loads the new head.
      const actual = outcome.head ? (await decodeHead(outcome.head))?.generation : undefined;
      throw staleHead(head.generation, actual);
    }
    if (!chunks.rewrite || attempt >= COMMIT_ATTEMPTS) {
      throw corruptSnapshot(
        manifest.id,
        outcome.hashes.map((hash) => ({ kind: 'chunk-missing', index: -1, hash })),
      );
    }
    const again = await chunks.rewrite(outcome.hashes);
    written.chunks += again.chunks;
    written.bytes += again.bytes;
  }
  for (const entry of chunks.inline) context.suspectChunks.delete(entry.hash);
  context.head = { raw: headBytes, record, generation: manifest.generation };
  return written;
}

export function result(manifest: SnapshotManifest, chunksWritten: number, bytesWritten: number): SaveResult {
  return { snapshot: toInfo(manifest), generation: manifest.generation, chunksWritten, bytesWritten };
}
