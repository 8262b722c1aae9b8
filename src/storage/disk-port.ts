/**
 * The disk adapter: the store as a directory next to a database file (`app.db` → `app.db.molt/`), for the
 * CLI and Node. It is handed `fs` (node:fs/promises or a wrapper) instead of importing it, so this folder
 * stays loadable in a browser bundle and tests can make any file operation fail.
 *
 * ```
 * app.db.molt/
 *   HEAD              the head record AND the head snapshot's manifest, sealed together (see below)
 *   manifests/<id>    one sealed manifest per snapshot
 *   chunks/<sha-256>  chunk bytes, named by their hash
 *   LOCK/             exists while a commit or deletion runs (mkdir is atomic, across processes too)
 * ```
 *
 * Every file is written to a temporary name, fsynced, renamed over its target, and the directory fsynced.
 * A commit has to change two things (a new manifest, the head) but a rename replaces one file: so HEAD
 * carries the new manifest too, and the rename of HEAD is the commit point. The manifest's own file is
 * written right after; when a crash prevents that, the copy in HEAD serves reads and the next commit
 * writes the file. Every file is covered by a checksum: chunks by their name, the rest by their seal.
 */

import { MoltError } from '../engine/errors.ts';
import { createFiles, createLock, guard } from './disk-files.ts';
import type {
  ChunkEntry,
  CommitRequest,
  CommitResult,
  DeleteChunksResult,
  KvPort,
  StorageEstimate,
} from './kv-port.ts';
import { isSnapshotId } from './manifest.ts';
import { sameBytes, sealBytes, unsealBytes } from './seal.ts';

/** The part of node:fs/promises the adapter uses. */
export interface DiskFs {
  readFile(path: string): Promise<Uint8Array>;
  open(path: string, flags: string): Promise<DiskFileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<string | undefined>;
  rmdir(path: string): Promise<void>;
  stat(path: string): Promise<{ mtimeMs: number; size: number }>;
  statfs?(path: string): Promise<{ bavail: number; bsize: number }>;
}

/** The part of a FileHandle the adapter uses. */
export interface DiskFileHandle {
  writeFile(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Options of `createDiskPort`. */
export interface DiskPortOptions {
  /** How long to wait for another process's lock before `locked`. Default 10 s. */
  lockTimeoutMs?: number;
  /** A lock older than this was left by a crashed process and is taken over. Default 30 s. */
  staleLockMs?: number;
}

const HASH_NAME = /^[0-9a-f]{64}$/;

/**
 * The store directory used for a database file.
 * @example
 * storeDirectoryFor('data/app.db'); // 'data/app.db.molt'
 */
export function storeDirectoryFor(databasePath: string): string {
  return `${databasePath}.molt`;
}

/**
 * Creates the disk port over directory `dir` (created on the first write).
 * @example
 * import * as fs from 'node:fs/promises';
 * const store = createSnapshotStore(createDiskPort(storeDirectoryFor('app.db'), fs));
 */
export function createDiskPort(dir: string, fs: DiskFs, options: DiskPortOptions = {}): KvPort {
  const files = createFiles(fs);
  const lock = createLock(`${dir}/LOCK`, fs, options);
  const paths = { head: `${dir}/HEAD`, manifests: `${dir}/manifests`, chunks: `${dir}/chunks` };
  const manifestPath = (id: string) => {
    // Ids are file names here: never let one climb out of the directory.
    if (!isSnapshotId(id)) throw new MoltError('invalid-argument', `Not a snapshot id: ${id}`, { id });
    return `${paths.manifests}/${id}`;
  };
  const chunkPath = (hash: string) => `${paths.chunks}/${hash}`;
  const readEnvelope = async () => parseEnvelope(await files.read(paths.head));

  const port: KvPort = {
    kind: 'disk',
    readHead: () => guard(async () => headOf(await files.read(paths.head))),
    readManifest: (id) =>
      guard(async () => {
        const bytes = await files.read(manifestPath(id));
        if (bytes) return bytes;
        const envelope = await readEnvelope();
        return envelope?.manifestId === id ? envelope.manifest : undefined;
      }),
    listManifestIds: () =>
      guard(async () => {
        const ids = (await files.list(paths.manifests)).filter((name) => isSnapshotId(name));
        const envelope = await readEnvelope();
        return envelope && !ids.includes(envelope.manifestId) ? [...ids, envelope.manifestId] : ids;
      }),
    deleteManifest: (id) => guard(() => lock.run(() => files.remove([manifestPath(id)]))),
    readChunks: (hashes) => guard(() => Promise.all(hashes.map((hash) => files.read(chunkPath(hash))))),
    hasChunks: (hashes) => guard(() => Promise.all(hashes.map((hash) => files.exists(chunkPath(hash))))),
    writeChunks: (chunks) => guard(() => writeChunks(chunks)),
    listChunkHashes: () =>
      guard(async () => (await files.list(paths.chunks)).filter((n) => HASH_NAME.test(n))),
    deleteChunks: (hashes, expectHead) => guard(() => lock.run(() => deleteChunks(hashes, expectHead))),
    commit: (request) => guard(() => lock.run(() => commit(request))),
    estimate: () => guard(() => estimate()),
    collectTemporaries: () => guard(() => files.removeTemporaries([dir, paths.manifests, paths.chunks])),
    close: async () => undefined,
  };

  async function writeChunks(chunks: readonly ChunkEntry[]): Promise<void> {
    await fs.mkdir(paths.chunks, { recursive: true });
    for (const { hash, bytes } of chunks) await files.writeAtomic(chunkPath(hash), bytes, false);
    await files.syncDir(paths.chunks);
  }

  async function deleteChunks(
    hashes: readonly string[],
    expectHead: Uint8Array | undefined,
  ): Promise<DeleteChunksResult> {
    if (!sameBytes(await headOf(await files.read(paths.head)), expectHead)) return { kind: 'stale-head' };
    await files.remove(hashes.map(chunkPath));
    return { kind: 'deleted' };
  }

  async function commit(request: CommitRequest): Promise<CommitResult> {
    await writeManifestFileFromHead();
    const current = await headOf(await files.read(paths.head));
    if (!sameBytes(current, request.expectHead)) return { kind: 'stale-head', head: current };
    const writing = new Set(request.chunks.map((chunk) => chunk.hash));
    const required = request.requireChunks.filter((hash) => !writing.has(hash));
    const present = await Promise.all(required.map((hash) => files.exists(chunkPath(hash))));
    const missing = required.filter((_, i) => !present[i]);
    if (missing.length > 0) return { kind: 'missing-chunks', hashes: missing };
    if (request.chunks.length > 0) await writeChunks(request.chunks);
    await fs.mkdir(paths.manifests, { recursive: true });
    await files.writeAtomic(paths.head, await buildEnvelope(request), true);
    // The commit happened with the rename of HEAD. The manifest's file is a copy, written again by the
    // next commit if this fails, so a failure here must not report the commit as failed.
    await files.writeAtomic(manifestPath(request.manifestId), request.manifest, true).catch(() => undefined);
    return { kind: 'committed' };
  }

  /** Completes the previous commit: gives the head's manifest its own file before HEAD moves on. */
  async function writeManifestFileFromHead(): Promise<void> {
    const envelope = await readEnvelope();
    if (!envelope || (await files.exists(manifestPath(envelope.manifestId)))) return;
    await fs.mkdir(paths.manifests, { recursive: true });
    await files.writeAtomic(manifestPath(envelope.manifestId), envelope.manifest, true);
  }

  async function estimate(): Promise<StorageEstimate | undefined> {
    if (!fs.statfs) return undefined;
    const volume = await fs.statfs(dir).catch(() => undefined);
    if (!volume) return undefined;
    const used = await files.sizeOf([dir, paths.manifests, paths.chunks]);
    return { usage: used, quota: used + volume.bavail * volume.bsize };
  }

  return port;
}

/** HEAD's contents: the head record and the manifest it names, framed and sealed together. */
interface Envelope {
  head: Uint8Array;
  manifestId: string;
  manifest: Uint8Array;
}

const ENVELOPE_MAGIC = 'molt-head-envelope 1';

function buildEnvelope(request: CommitRequest): Promise<Uint8Array> {
  const { head, manifest, manifestId } = request;
  const header = new TextEncoder().encode(
    `${ENVELOPE_MAGIC}\n${manifestId}\n${head.length}\n${manifest.length}\n`,
  );
  const body = new Uint8Array(header.length + head.length + manifest.length);
  body.set(header, 0);
  body.set(head, header.length);
  body.set(manifest, header.length + head.length);
  return sealBytes(body);
}

async function parseEnvelope(file: Uint8Array | undefined): Promise<Envelope | undefined> {
  const body = file && (await unsealBytes(file));
  if (!body) return undefined;
  const lines: string[] = [];
  let offset = 0;
  while (lines.length < 4) {
    const end = body.indexOf(0x0a, offset);
    if (end < 0 || end - offset > 200) return undefined;
    lines.push(new TextDecoder().decode(body.subarray(offset, end)));
    offset = end + 1;
  }
  const [magic, manifestId, headLength, manifestLength] = lines as [string, string, string, string];
  const h = Number(headLength);
  const m = Number(manifestLength);
  if (magic !== ENVELOPE_MAGIC || !Number.isSafeInteger(h) || !Number.isSafeInteger(m)) return undefined;
  if (offset + h + m !== body.length) return undefined;
  return { manifestId, head: body.subarray(offset, offset + h), manifest: body.subarray(offset + h) };
}

/**
 * The head record inside HEAD. A HEAD that does not unseal is returned as it is: it then fails to decode
 * as a head record (so the store reports a corrupt head), and compare-and-swap still compares like with like.
 */
async function headOf(file: Uint8Array | undefined): Promise<Uint8Array | undefined> {
  if (!file) return undefined;
  return (await parseEnvelope(file))?.head ?? file;
}
