/**
 * Reading snapshots back: every chunk is checked against its SHA-256 and the file against the manifest's
 * file hash before a byte is returned. `loadHead` falls back to the newest snapshot that verifies.
 */
import { MoltError } from '../engine/errors.ts';
import { chunkLength, fileHash } from './chunks.ts';
import { decodeHead, decodeManifest, isSnapshotId, type SnapshotManifest } from './manifest.ts';
import { sha256Hex } from './seal.ts';
import {
  type HeadState,
  type SnapshotInfo,
  type SnapshotProblem,
  type StoreContext,
  toInfo,
} from './store-context.ts';

/**
 * Reads and decodes the head.
 * @example
 * const head = await readHeadState(context);
 */
export async function readHeadState(context: StoreContext): Promise<HeadState> {
  const raw = await context.port.readHead();
  const record = raw ? await decodeHead(raw) : undefined;
  if (record) return { raw, record, generation: record.generation };
  const { manifests } = await readAllManifests(context);
  return { raw, record, generation: manifests[0]?.generation ?? 0 };
}

/** Every manifest that decodes (newest first) and the ids of those that do not. */
export interface ManifestScan {
  manifests: SnapshotManifest[];
  unreadable: string[];
}

/**
 * Reads every manifest.
 * @example
 * const { manifests, unreadable } = await readAllManifests(context);
 */
export async function readAllManifests(context: StoreContext): Promise<ManifestScan> {
  const ids = await context.port.listManifestIds();
  const read = await Promise.all(ids.map((id) => readManifest(id, context)));
  const manifests: SnapshotManifest[] = [];
  const unreadable: string[] = [];
  read.forEach((result, i) => {
    if (result.kind === 'ok') manifests.push(result.manifest);
    else unreadable.push(ids[i] as string);
  });
  manifests.sort((a, b) => b.generation - a.generation);
  return { manifests, unreadable };
}

/** A manifest read by id. */
export type ManifestRead =
  | { kind: 'ok'; manifest: SnapshotManifest }
  | { kind: 'missing' }
  | { kind: 'corrupt' };

/**
 * Reads and decodes one manifest.
 * @example
 * const read = await readManifest('000003-ab12cd34', context);
 */
export async function readManifest(id: string, context: StoreContext): Promise<ManifestRead> {
  if (!isSnapshotId(id)) return { kind: 'missing' };
  const bytes = await context.port.readManifest(id);
  if (!bytes) return { kind: 'missing' };
  const manifest = await decodeManifest(bytes, id);
  return manifest ? { kind: 'ok', manifest } : { kind: 'corrupt' };
}

/**
 * Reads every chunk of a snapshot, checks each against its hash and the list against the file hash.
 * Returns the assembled file when `assemble` is set and nothing is wrong. Chunks are read in batches so
 * that memory holds the file plus one batch, not two copies of the file.
 * @example
 * const { problems, bytes } = await readVerified(manifest, true, context);
 */
export async function readVerified(
  manifest: SnapshotManifest,
  assemble: boolean,
  context: StoreContext,
): Promise<{ problems: SnapshotProblem[]; bytes?: Uint8Array }> {
  const problems: SnapshotProblem[] = [];
  const out = assemble ? new Uint8Array(manifest.byteLength) : undefined;
  if ((await fileHash(manifest.byteLength, manifest.chunkSize, manifest.chunks)) !== manifest.fileHash) {
    problems.push({ kind: 'file-hash-mismatch' });
  }
  for (const batch of batches(manifest, context.batchBytes)) {
    const hashes = batch.map((i) => manifest.chunks[i] as string);
    const chunks = await context.port.readChunks(hashes);
    const checks = await Promise.all(chunks.map((chunk) => (chunk ? sha256Hex(chunk) : undefined)));
    batch.forEach((index, k) => {
      const hash = hashes[k] as string;
      const chunk = chunks[k];
      const length = chunkLength(manifest.byteLength, index, manifest.chunkSize);
      if (!chunk) problems.push({ kind: 'chunk-missing', index, hash });
      else if (checks[k] !== hash || chunk.length !== length)
        problems.push({ kind: 'chunk-corrupt', index, hash });
      else out?.set(chunk, index * manifest.chunkSize);
    });
  }
  for (const problem of problems) if ('hash' in problem) context.suspectChunks.add(problem.hash);
  if (problems.length === 0) context.verified.add(manifest.id);
  else context.verified.delete(manifest.id);
  return problems.length === 0 && out ? { problems, bytes: out } : { problems };
}

function* batches(manifest: SnapshotManifest, batchBytes: number): Generator<number[]> {
  const perBatch = Math.max(1, Math.floor(batchBytes / manifest.chunkSize));
  for (let start = 0; start < manifest.chunks.length; start += perBatch) {
    const end = Math.min(manifest.chunks.length, start + perBatch);
    yield Array.from({ length: end - start }, (_, k) => start + k);
  }
}

/** A snapshot's bytes, verified. */
export interface LoadedSnapshot {
  snapshot: SnapshotInfo;
  bytes: Uint8Array;
}

/**
 * Loads one snapshot. Throws `snapshot-not-found`, or `corrupt-snapshot` with the problems in details.
 * @example
 * const { bytes } = await loadSnapshot('000003-ab12cd34', context);
 */
export async function loadSnapshot(id: string, context: StoreContext): Promise<LoadedSnapshot> {
  const manifest = await requireManifest(id, context);
  const { problems, bytes } = await readVerified(manifest, true, context);
  if (!bytes) throw corruptSnapshot(id, problems);
  return { snapshot: toInfo(manifest), bytes };
}

/**
 * The manifest of `id`; throws `snapshot-not-found` or `corrupt-snapshot`.
 * @example
 * const manifest = await requireManifest(id, context);
 */
export async function requireManifest(id: string, context: StoreContext): Promise<SnapshotManifest> {
  const read = await readManifest(id, context);
  if (read.kind === 'missing') {
    throw new MoltError('snapshot-not-found', `No snapshot with id ${id}.`, { id });
  }
  if (read.kind === 'corrupt') throw corruptSnapshot(id, [{ kind: 'manifest-corrupt' }]);
  return read.manifest;
}

/**
 * The `corrupt-snapshot` error for a snapshot and what was wrong with it.
 * @example
 * throw corruptSnapshot(id, problems);
 */
export function corruptSnapshot(id: string | null, problems: SnapshotProblem[]): MoltError {
  return new MoltError('corrupt-snapshot', `Snapshot ${id ?? '(head)'} failed verification.`, {
    id,
    problems,
  });
}

/** The outcome of verifying one snapshot. */
export type VerifyResult =
  | { kind: 'verified'; id: string }
  | { kind: 'corrupt'; id: string; problems: SnapshotProblem[] };

/**
 * Verifies one snapshot without keeping its bytes. Throws `snapshot-not-found` for an unknown id.
 * @example
 * const result = await verifySnapshot(id, context);
 * if (result.kind === 'corrupt') console.log(result.problems);
 */
export async function verifySnapshot(id: string, context: StoreContext): Promise<VerifyResult> {
  const read = await readManifest(id, context);
  if (read.kind === 'missing')
    throw new MoltError('snapshot-not-found', `No snapshot with id ${id}.`, { id });
  if (read.kind === 'corrupt') return { kind: 'corrupt', id, problems: [{ kind: 'manifest-corrupt' }] };
  const { problems } = await readVerified(read.manifest, false, context);
  return problems.length === 0 ? { kind: 'verified', id } : { kind: 'corrupt', id, problems };
}

/** A snapshot `loadHead` passed over, and why. `id` is null for the head record itself. */
export interface SkippedSnapshot {
  id: string | null;
  problems: SnapshotProblem[];
}

/** The head as loaded: the newest snapshot that verifies, and the ones skipped to reach it. */
export interface LoadedHead extends LoadedSnapshot {
  /** The head generation the next commit must match. */
  generation: number;
  /** Empty when the head itself verified. */
  skipped: SkippedSnapshot[];
}

/**
 * Loads the head snapshot, verified; falls back to the newest snapshot that verifies. Returns undefined
 * for an empty store; throws `corrupt-snapshot` (details: `skipped`) when no snapshot verifies.
 * @example
 * const head = await loadHead(context);
 * if (head?.skipped.length) console.warn('fell back to', head.snapshot.id, head.skipped);
 */
export async function loadHead(context: StoreContext): Promise<LoadedHead | undefined> {
  const head = await readHeadState(context);
  const skipped: SkippedSnapshot[] = [];
  if (!head.raw) skipped.push({ id: null, problems: [{ kind: 'head-missing' }] });
  else if (!head.record) skipped.push({ id: null, problems: [{ kind: 'head-corrupt' }] });
  const headId = head.record?.snapshotId;
  if (headId) {
    const loaded = await tryLoad(headId, context);
    if (loaded.kind === 'loaded') return finishLoad(loaded.manifest, loaded.bytes, head, skipped, context);
    skipped.push({ id: headId, problems: loaded.problems });
  }
  const { manifests, unreadable } = await readAllManifests(context);
  if (!head.raw && manifests.length === 0 && unreadable.length === 0) {
    context.head = head; // an empty store: the first save expects it to stay empty
    return undefined;
  }
  for (const id of unreadable)
    if (id !== headId) skipped.push({ id, problems: [{ kind: 'manifest-corrupt' }] });
  for (const manifest of manifests) {
    if (manifest.id === headId) continue;
    const { problems, bytes } = await readVerified(manifest, true, context);
    if (bytes) return finishLoad(manifest, bytes, head, skipped, context);
    skipped.push({ id: manifest.id, problems });
  }
  throw new MoltError('corrupt-snapshot', 'No snapshot in the store passes verification.', { skipped });
}

async function tryLoad(
  id: string,
  context: StoreContext,
): Promise<
  | { kind: 'loaded'; manifest: SnapshotManifest; bytes: Uint8Array }
  | { kind: 'failed'; problems: SnapshotProblem[] }
> {
  const read = await readManifest(id, context);
  if (read.kind !== 'ok') return { kind: 'failed', problems: [{ kind: `manifest-${read.kind}` }] };
  const { problems, bytes } = await readVerified(read.manifest, true, context);
  return bytes ? { kind: 'loaded', manifest: read.manifest, bytes } : { kind: 'failed', problems };
}

function finishLoad(
  manifest: SnapshotManifest,
  bytes: Uint8Array,
  head: HeadState,
  skipped: SkippedSnapshot[],
  context: StoreContext,
): LoadedHead {
  context.image = { bytes, manifest };
  context.head = head;
  return { snapshot: toInfo(manifest), bytes, generation: head.generation, skipped };
}

/** A snapshot as listed, with whether it is the head. */
export type SnapshotListEntry = SnapshotInfo & { isHead: boolean };

/**
 * Lists the snapshots whose manifests decode, newest first (`verifyStore` reports the others).
 * @example
 * for (const s of await listSnapshots(context)) console.log(s.id, s.reason, s.isHead);
 */
export async function listSnapshots(context: StoreContext): Promise<SnapshotListEntry[]> {
  const [head, { manifests }] = await Promise.all([readHeadState(context), readAllManifests(context)]);
  return manifests.map((m) => ({ ...toInfo(m), isHead: m.id === head.record?.snapshotId }));
}
