/**
 * Verifying everything the store holds in one pass: the head record, every manifest, every stored chunk
 * (referenced or not). Each stored byte is covered by a checksum (chunks are named by their SHA-256,
 * records are sealed), so any changed byte shows up here.
 */
import { fileHash } from './chunks.ts';
import type { SnapshotManifest } from './manifest.ts';
import { readAllManifests, readHeadState, type VerifyResult } from './read.ts';
import { sha256Hex } from './seal.ts';
import type { SnapshotProblem, StoreContext } from './store-context.ts';

/** The state of the head record. */
export type HeadStatus =
  | { kind: 'ok'; snapshotId: string; generation: number }
  | { kind: 'empty' }
  | { kind: 'missing' }
  | { kind: 'corrupt' }
  /** The record decodes but names a snapshot whose manifest is missing or does not decode. */
  | { kind: 'dangling'; snapshotId: string; generation: number };

/** The outcome of `verifyStore`. */
export interface StoreReport {
  /** True when the head, every manifest and every stored chunk verified. */
  ok: boolean;
  head: HeadStatus;
  /** Every snapshot, newest first; manifests that do not decode come last. */
  snapshots: VerifyResult[];
  /** Stored chunks whose bytes do not match their hash, referenced or not. */
  corruptChunks: string[];
}

/**
 * Verifies the whole store: what `molt verify` reports.
 * @example
 * const report = await verifyStore(context);
 * if (!report.ok) process.exitCode = 1;
 */
export async function verifyStore(context: StoreContext): Promise<StoreReport> {
  const [head, { manifests, unreadable }] = await Promise.all([
    readHeadState(context),
    readAllManifests(context),
  ]);
  const chunkState = await checkAllChunks(context);
  const snapshots: VerifyResult[] = [];
  for (const manifest of manifests) snapshots.push(await checkManifest(manifest, chunkState));
  for (const id of unreadable)
    snapshots.push({ kind: 'corrupt', id, problems: [{ kind: 'manifest-corrupt' }] });
  const headStatus = statusOfHead(head, manifests, snapshots.length);
  const corruptChunks = [...chunkState].filter(([, state]) => state === 'corrupt').map(([hash]) => hash);
  for (const hash of corruptChunks) context.suspectChunks.add(hash);
  const ok = headStatus.kind === 'ok' || (headStatus.kind === 'empty' && snapshots.length === 0);
  return {
    ok: ok && corruptChunks.length === 0 && snapshots.every((s) => s.kind === 'verified'),
    head: headStatus,
    snapshots,
    corruptChunks,
  };
}

function statusOfHead(
  head: Awaited<ReturnType<typeof readHeadState>>,
  manifests: readonly SnapshotManifest[],
  snapshotCount: number,
): HeadStatus {
  if (!head.raw) return snapshotCount === 0 ? { kind: 'empty' } : { kind: 'missing' };
  if (!head.record) return { kind: 'corrupt' };
  const { snapshotId, generation } = head.record;
  const named = manifests.find((m) => m.id === snapshotId);
  if (!named || named.generation !== generation) return { kind: 'dangling', snapshotId, generation };
  return { kind: 'ok', snapshotId, generation };
}

type ChunkState = 'ok' | 'corrupt';

/** Hashes every stored chunk once, in batches. */
async function checkAllChunks(context: StoreContext): Promise<Map<string, ChunkState>> {
  const hashes = await context.port.listChunkHashes();
  const states = new Map<string, ChunkState>();
  const perBatch = Math.max(1, Math.floor(context.batchBytes / context.chunkSize));
  for (let start = 0; start < hashes.length; start += perBatch) {
    const batch = hashes.slice(start, start + perBatch);
    const chunks = await context.port.readChunks(batch);
    const digests = await Promise.all(chunks.map((chunk) => (chunk ? sha256Hex(chunk) : undefined)));
    batch.forEach((hash, i) => {
      states.set(hash, digests[i] === hash ? 'ok' : 'corrupt');
    });
  }
  return states;
}

async function checkManifest(
  manifest: SnapshotManifest,
  chunks: Map<string, ChunkState>,
): Promise<VerifyResult> {
  const problems: SnapshotProblem[] = [];
  if ((await fileHash(manifest.byteLength, manifest.chunkSize, manifest.chunks)) !== manifest.fileHash) {
    problems.push({ kind: 'file-hash-mismatch' });
  }
  manifest.chunks.forEach((hash, index) => {
    const state = chunks.get(hash);
    if (state === undefined) problems.push({ kind: 'chunk-missing', index, hash });
    else if (state === 'corrupt') problems.push({ kind: 'chunk-corrupt', index, hash });
  });
  return problems.length === 0
    ? { kind: 'verified', id: manifest.id }
    : { kind: 'corrupt', id: manifest.id, problems };
}
