/**
 * Retention and garbage collection: which snapshots to keep, and removing chunks no manifest references.
 * Two snapshots are never deleted: the head, and the newest snapshot that verifies (when the head is
 * damaged, that one is the user's data).
 */
import { MoltError } from '../engine/errors.ts';
import { chunkLength } from './chunks.ts';
import type { StorageEstimate } from './kv-port.ts';
import { decodeManifest, type SnapshotManifest, type SnapshotReason } from './manifest.ts';
import { readAllManifests, readHeadState, readVerified } from './read.ts';
import type { StoreContext } from './store-context.ts';

/** How many snapshots of each kind `prune` keeps (newest first). */
export interface RetentionPolicy {
  /** `pre-migrate` snapshots: the way back from the last few migrations. */
  keepPreMigrate?: number;
  /** `save` and `restore` snapshots: the recent states the app ran on. */
  keepSaves?: number;
  /** `manual` snapshots, which a user asked for by name. */
  keepManual?: number;
}

/**
 * Defaults: the last 5 pre-migrate snapshots (one per release is typical, so a few releases back), the
 * last 3 saves (the head and two before it, against a bad write), and every manual snapshot.
 */
export const DEFAULT_RETENTION: Required<RetentionPolicy> = {
  keepPreMigrate: 5,
  keepSaves: 3,
  keepManual: Number.POSITIVE_INFINITY,
};

/** What `prune` did. */
export interface PruneResult {
  deleted: string[];
  kept: string[];
  /** The newest snapshot that verified (protected), or null when none did. */
  newestVerified: string | null;
}

/**
 * Deletes the snapshots the policy does not keep, never the head or the newest snapshot that verifies.
 * Their chunks stay until `collectGarbage`. Manifests that do not decode are left for `deleteSnapshot`.
 * "Verifies" counts a snapshot this store already verified (see `findNewestVerified`), so pruning after
 * each save does not read the database back each time; a fresh store reads and checks.
 * @example
 * const { deleted } = await prune({ keepSaves: 2 }, context);
 * await collectGarbage(context);
 */
export async function prune(policy: RetentionPolicy, context: StoreContext): Promise<PruneResult> {
  const limits = { ...DEFAULT_RETENTION, ...policy };
  const [head, { manifests }] = await Promise.all([readHeadState(context), readAllManifests(context)]);
  const newestVerified = await findNewestVerified(manifests, true, context);
  const protectedIds = new Set([head.record?.snapshotId, newestVerified?.id]);
  const seen: Record<SnapshotReason, number> = { save: 0, restore: 0, 'pre-migrate': 0, manual: 0 };
  const limitOf = (reason: SnapshotReason) =>
    reason === 'pre-migrate'
      ? limits.keepPreMigrate
      : reason === 'manual'
        ? limits.keepManual
        : limits.keepSaves;
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const manifest of manifests) {
    const group = manifest.reason === 'restore' ? 'save' : manifest.reason;
    seen[group] += 1;
    if (seen[group] <= limitOf(manifest.reason) || protectedIds.has(manifest.id)) kept.push(manifest.id);
    else deleted.push(manifest.id);
  }
  for (const id of deleted) await context.port.deleteManifest(id);
  return { deleted, kept, newestVerified: newestVerified?.id ?? null };
}

/**
 * The newest snapshot that verifies. With `trust`, one this store verified during its lifetime (read
 * back, or committed from verified data: see `StoreContext.verified`) is not read again: a worker prunes
 * after every save, and reading the whole database back each time would cost more than the save. Damage
 * done behind the store's back since then is not seen by that shortcut; `verifyStore` and a fresh store
 * see it.
 */
async function findNewestVerified(
  manifests: readonly SnapshotManifest[],
  trust: boolean,
  context: StoreContext,
): Promise<SnapshotManifest | undefined> {
  for (const manifest of manifests) {
    if (trust && context.verified.has(manifest.id)) return manifest;
    const { problems } = await readVerified(manifest, false, context);
    if (problems.length === 0) return manifest;
  }
  return undefined;
}

/**
 * Deletes one snapshot's manifest. Refuses (`invalid-argument`) the head and the newest snapshot that
 * verifies; throws `snapshot-not-found` for an unknown id. Chunks stay until `collectGarbage`.
 * @example
 * await deleteSnapshot('000002-0c1d2e3f', context);
 */
export async function deleteSnapshot(id: string, context: StoreContext): Promise<void> {
  const [head, { manifests, unreadable }] = await Promise.all([
    readHeadState(context),
    readAllManifests(context),
  ]);
  if (!manifests.some((m) => m.id === id) && !unreadable.includes(id)) {
    throw new MoltError('snapshot-not-found', `No snapshot with id ${id}.`, { id });
  }
  if (head.record?.snapshotId === id) {
    throw new MoltError('invalid-argument', 'The head snapshot cannot be deleted; restore another first.', {
      id,
    });
  }
  if ((await findNewestVerified(manifests, false, context))?.id === id) {
    throw new MoltError(
      'invalid-argument',
      'This is the newest snapshot that verifies; it cannot be deleted.',
      {
        id,
      },
    );
  }
  await context.port.deleteManifest(id);
}

/** What `collectGarbage` did. */
export type GarbageResult =
  | { kind: 'collected'; deletedChunks: number; temporaries: number }
  /** Nothing deleted: a manifest does not decode, so which chunks it needs is unknown. */
  | { kind: 'skipped-unreadable-manifests'; ids: string[]; temporaries: number }
  /** Nothing deleted: writers kept moving the head while collecting; try again later. */
  | { kind: 'skipped-busy'; temporaries: number };

const COLLECT_ATTEMPTS = 3;

/**
 * Deletes chunks no manifest references, and leftovers of interrupted writes. The deletion is
 * conditional on the head not having moved since the manifests were read, so a save committing at the
 * same moment never loses a chunk it reused.
 * @example
 * const result = await collectGarbage(context);
 */
export async function collectGarbage(context: StoreContext): Promise<GarbageResult> {
  const temporaries = await context.port.collectTemporaries();
  for (let attempt = 0; attempt < COLLECT_ATTEMPTS; attempt++) {
    const head = await context.port.readHead();
    const { manifests, unreadable } = await readAllManifests(context);
    if (unreadable.length > 0) return { kind: 'skipped-unreadable-manifests', ids: unreadable, temporaries };
    const referenced = new Set(manifests.flatMap((m) => m.chunks));
    const orphans = (await context.port.listChunkHashes()).filter((hash) => !referenced.has(hash));
    if (orphans.length === 0) return { kind: 'collected', deletedChunks: 0, temporaries };
    const outcome = await context.port.deleteChunks(orphans, head);
    if (outcome.kind === 'deleted') return { kind: 'collected', deletedChunks: orphans.length, temporaries };
  }
  return { kind: 'skipped-busy', temporaries };
}

/** Space the store uses. Chunk bytes are exact for referenced chunks; orphans are only counted. */
export interface StoreUsage {
  snapshots: number;
  manifestBytes: number;
  chunks: number;
  chunkBytes: number;
  orphanChunks: number;
  /** Manifests plus referenced chunks. */
  storedBytes: number;
  /** `navigator.storage.estimate()` in a browser, the volume on disk; null where unknown. */
  estimate: StorageEstimate | null;
}

/**
 * Reports how much the store holds and, where the platform tells, usage and quota.
 * @example
 * const { storedBytes, estimate } = await usage(context);
 */
export async function usage(context: StoreContext): Promise<StoreUsage> {
  const ids = await context.port.listManifestIds();
  const raw = await Promise.all(ids.map((id) => context.port.readManifest(id)));
  const decoded = await Promise.all(
    raw.map((bytes, i) => (bytes ? decodeManifest(bytes, ids[i] as string) : undefined)),
  );
  const sizes = new Map<string, number>();
  for (const m of decoded) {
    for (let i = 0; m && i < m.chunks.length; i++) {
      sizes.set(m.chunks[i] as string, chunkLength(m.byteLength, i, m.chunkSize));
    }
  }
  const stored = await context.port.listChunkHashes();
  const manifestBytes = raw.reduce((sum, bytes) => sum + (bytes?.length ?? 0), 0);
  const chunkBytes = [...sizes.values()].reduce((sum, n) => sum + n, 0);
  return {
    snapshots: decoded.filter(Boolean).length,
    manifestBytes,
    chunks: stored.length,
    chunkBytes,
    orphanChunks: stored.filter((hash) => !sizes.has(hash)).length,
    storedBytes: manifestBytes + chunkBytes,
    estimate: (await context.port.estimate()) ?? null,
  };
}
