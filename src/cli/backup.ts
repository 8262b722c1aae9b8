/**
 * Snapshots of a database file, kept in the store next to it (`<db>.molt/`, the disk adapter of the
 * snapshot store): the `pre-migrate` snapshot `apply` and `migrate` take before they change the file,
 * and the new head they save after. The store holds exactly the file's bytes, so a restore gives the
 * file back byte for byte.
 */
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMoltError, MoltError, toErrorData } from '../engine/errors.ts';
import {
  createDiskPort,
  createSnapshotStore,
  DEFAULT_RETENTION,
  type SaveResult,
  type SnapshotProblem,
  type SnapshotStore,
  storeDirectoryFor,
} from '../storage/index.ts';

/** The `--help` sentence on retention, from the store's own defaults. */
export const RETENTION_HELP = `Older snapshots are pruned after each write (kept: the last ${DEFAULT_RETENTION.keepPreMigrate} pre-migrate, the last ${DEFAULT_RETENTION.keepSaves} others).`;

/**
 * The path of a database file that may not exist (yet, or any more): its real path when it exists,
 * else the real path of its folder joined with its name. A missing folder is `file-not-found`.
 * @example
 * const real = await resolveDatabasePath('app.sqlite'); // '/home/me/app.sqlite'
 */
export async function resolveDatabasePath(path: string): Promise<{ real: string; exists: boolean }> {
  try {
    return { real: await nodeFs.realpath(path), exists: true };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  try {
    return { real: join(await nodeFs.realpath(dirname(path)), basename(path)), exists: false };
  } catch {
    throw new MoltError('file-not-found', `the folder of ${path} does not exist`, { path });
  }
}

/**
 * Opens the snapshot store of a database file (created on its first write).
 * @example
 * const store = openStoreFor('/data/app.sqlite');
 */
export function openStoreFor(realDatabasePath: string): SnapshotStore {
  return createSnapshotStore(createDiskPort(storeDirectoryFor(realDatabasePath), nodeFs));
}

/**
 * Whether the database file has a snapshot store.
 * @example
 * if (!(await hasStore('/data/app.sqlite'))) console.log('no snapshots');
 */
export async function hasStore(realDatabasePath: string): Promise<boolean> {
  return nodeFs.stat(storeDirectoryFor(realDatabasePath)).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** A database file and its snapshot store, as found on disk. */
export interface FoundStore {
  /** The database file's real path (see `resolveDatabasePath`). */
  real: string;
  /** Whether the database file exists. */
  exists: boolean;
  /** The store's folder. */
  dir: string;
  /** The store, or null when the folder does not exist. */
  store: SnapshotStore | null;
}

/**
 * Finds the snapshot store of a database file for the commands that read it. The file itself may be
 * gone (its snapshots are then the way back); when neither exists, that is `file-not-found`.
 * @example
 * const { store, dir } = await findStore('app.sqlite');
 */
export async function findStore(path: string): Promise<FoundStore> {
  const { real, exists } = await resolveDatabasePath(path);
  const dir = storeDirectoryFor(real);
  if (await hasStore(real)) return { real, exists, dir, store: openStoreFor(real) };
  if (!exists)
    throw new MoltError('file-not-found', `${path} does not exist, nor any snapshot of it`, { path });
  return { real, exists, dir, store: null };
}

/**
 * Records the file's current bytes as a `pre-migrate` snapshot. When the store's head holds exactly
 * these bytes (the file was last written by molt) it reuses the head's chunks: nothing is written but a
 * manifest. Null for an empty file, which the store cannot hold (it holds databases) and which has
 * nothing to lose. A head that fails verification is refused: the store is then not a safe place.
 * @example
 * const pre = await savePreMigrate(store, file.bytes, { label: 'app.sqlite', schemaHash: plan.fromHash });
 */
export async function savePreMigrate(
  store: SnapshotStore,
  bytes: Uint8Array,
  options: { label: string; schemaHash?: string | null },
): Promise<SaveResult | null> {
  if (bytes.length === 0) return null;
  const head = await loadVerifiedHead(store, options.label);
  if (head && sameBytes(head, bytes)) return store.snapshotHead('pre-migrate');
  return store.saveSnapshot(bytes, { reason: 'pre-migrate', schemaHash: options.schemaHash ?? null });
}

async function loadVerifiedHead(store: SnapshotStore, label: string): Promise<Uint8Array | undefined> {
  const problem = (skipped: unknown) =>
    new MoltError(
      'corrupt-snapshot',
      `the snapshot store of ${label} fails verification, so no pre-migrate snapshot can be trusted there: ` +
        `run 'molt verify ${label}', or pass --no-backup to go on without one`,
      { path: label, skipped },
    );
  let head: Awaited<ReturnType<SnapshotStore['loadHead']>>;
  try {
    head = await store.loadHead();
  } catch (error) {
    if (isMoltError(error, 'corrupt-snapshot')) throw problem(error.details.skipped);
    throw error;
  }
  if (head && head.skipped.length > 0) throw problem(head.skipped);
  return head?.bytes;
}

/**
 * Saves the bytes just written to the file as the store's head (or runs `save`, which saves it some
 * other way, as from the file in place), then applies the default retention (the last few pre-migrate
 * snapshots and saves) and removes the chunks nothing uses any more. The file is already written: a
 * failure here is reported through `warn` and returns null, since the pre-migrate snapshot is safe and
 * the next run snapshots the file again.
 * @example
 * const head = await saveHead(store, bytes, { schemaHash, warn: (m) => context.stderr(m) });
 */
export async function saveHead(
  store: SnapshotStore,
  bytes: Uint8Array | (() => Promise<SaveResult>),
  options: { schemaHash?: string | null; warn: (line: string) => void },
): Promise<SaveResult | null> {
  let saved: SaveResult;
  try {
    saved =
      typeof bytes === 'function'
        ? await bytes()
        : await store.saveSnapshot(bytes, { reason: 'save', schemaHash: options.schemaHash ?? null });
  } catch (error) {
    options.warn(`molt: warning: the file was written, but saving its snapshot failed: ${describe(error)}\n`);
    return null;
  }
  try {
    await store.prune();
    await store.collectGarbage();
  } catch (error) {
    options.warn(`molt: warning: removing old snapshots failed: ${describe(error)}\n`);
  }
  return saved;
}

/**
 * A copy of a database file's bytes as read, taken before the in-memory database is written to. The
 * file is read into a Node Buffer, and sql.js stores what it is opened with through `slice`, which for
 * a Buffer is a view, not a copy: the in-memory database then lives in those very bytes, and every
 * write changes them. The pre-migrate snapshot must be the file as it was.
 * @example
 * const original = copyBytes(db.file.bytes); // before applyPlan or migrate
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Whether two byte arrays are equal.
 * @example
 * sameBytes(head.bytes, file.bytes);
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function describe(error: unknown): string {
  const data = toErrorData(error);
  return `${data.code}: ${data.message}`;
}

/**
 * Problems in a few words: `chunk-corrupt ×2, file-hash-mismatch`.
 * @example
 * describeProblems([{ kind: 'manifest-corrupt' }]); // 'manifest-corrupt'
 */
export function describeProblems(problems: readonly SnapshotProblem[]): string {
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ');
}
