/**
 * File primitives for the disk adapter: atomic writes (temporary file, fsync, rename, fsync of the
 * directory), reads that treat a missing file as undefined, a cross-process lock, and error mapping.
 */
import { MoltError } from '../engine/errors.ts';
import type { DiskFs, DiskPortOptions } from './disk-port.ts';

const TEMP_MARK = '.tmp-';
/** Temporary files older than this belong to no running write. */
const TEMP_STALE_MS = 60_000;

/** The file operations the adapter composes. */
export interface DiskFiles {
  read(path: string): Promise<Uint8Array | undefined>;
  exists(path: string): Promise<boolean>;
  list(dir: string): Promise<string[]>;
  /** Writes `bytes` to `path` atomically and durably; `syncDir` also fsyncs the directory. */
  writeAtomic(path: string, bytes: Uint8Array, syncDir: boolean): Promise<void>;
  syncDir(dir: string): Promise<void>;
  remove(paths: readonly string[]): Promise<void>;
  removeTemporaries(dirs: readonly string[]): Promise<number>;
  sizeOf(dirs: readonly string[]): Promise<number>;
}

/**
 * File helpers over an injected fs.
 * @example
 * const files = createFiles(fs);
 * await files.writeAtomic('app.db.molt/HEAD', bytes, true);
 */
export function createFiles(fs: DiskFs): DiskFiles {
  const files: DiskFiles = {
    read: (path) => fs.readFile(path).then(asPlainBytes, orUndefinedIfMissing),
    exists: (path) =>
      fs.stat(path).then(
        () => true,
        (error) => orUndefinedIfMissing(error).then(() => false),
      ),
    list: (dir) => fs.readdir(dir).catch(async (error) => (await orUndefinedIfMissing(error)) ?? []),
    async writeAtomic(path, bytes, syncDir) {
      const temp = `${path}${TEMP_MARK}${randomSuffix()}`;
      try {
        const handle = await fs.open(temp, 'w');
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(temp, path);
      } catch (error) {
        await fs.unlink(temp).catch(() => undefined);
        throw error;
      }
      if (syncDir) await files.syncDir(parentOf(path));
    },
    async syncDir(dir) {
      // A rename is durable once the directory is; some platforms cannot open a directory for fsync.
      const handle = await fs.open(dir, 'r').catch(ignoreUnsupported);
      if (!handle) return;
      try {
        await handle.sync().catch(ignoreUnsupported);
      } finally {
        await handle.close();
      }
    },
    async remove(paths) {
      for (const path of paths) await fs.unlink(path).catch(orUndefinedIfMissing);
      const dirs = new Set(paths.map(parentOf));
      for (const dir of dirs) await files.syncDir(dir);
    },
    async removeTemporaries(dirs) {
      let removed = 0;
      for (const dir of dirs) {
        for (const name of await files.list(dir)) {
          if (!name.includes(TEMP_MARK)) continue;
          const info = await fs.stat(`${dir}/${name}`).catch(() => undefined);
          if (!info || Date.now() - info.mtimeMs < TEMP_STALE_MS) continue;
          await fs.unlink(`${dir}/${name}`).catch(orUndefinedIfMissing);
          removed += 1;
        }
      }
      return removed;
    },
    async sizeOf(dirs) {
      let total = 0;
      for (const dir of dirs) {
        for (const name of await files.list(dir)) {
          const info = await fs.stat(`${dir}/${name}`).catch(() => undefined);
          total += info?.size ?? 0;
        }
      }
      return total;
    },
  };
  return files;
}

/** A lock around commits and deletions: an in-process queue, then a `LOCK` directory across processes. */
export interface DiskLock {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * The lock at `path`. `mkdir` either creates the directory or fails, atomically, on every file system
 * that matters; a lock older than `staleLockMs` is from a crashed process and is taken over.
 * @example
 * await lock.run(() => commit(request));
 */
export function createLock(path: string, fs: DiskFs, options: DiskPortOptions): DiskLock {
  const timeoutMs = options.lockTimeoutMs ?? 10_000;
  const staleMs = options.staleLockMs ?? 30_000;
  let queue: Promise<unknown> = Promise.resolve();

  async function acquire(): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await fs.mkdir(parentOf(path), { recursive: true });
    for (;;) {
      try {
        await fs.mkdir(path);
        return;
      } catch (error) {
        if (codeOf(error) !== 'EEXIST') throw error;
      }
      const info = await fs.stat(path).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > staleMs) {
        await fs.rmdir(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new MoltError('locked', 'Another process holds the snapshot store lock.', { path });
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }

  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const next = queue.then(async () => {
        await acquire();
        try {
          return await task();
        } finally {
          await fs.rmdir(path).catch(() => undefined);
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

/**
 * Runs a file operation, mapping a full disk to `quota-exceeded` and anything else to `storage-error`.
 * @example
 * const bytes = await guard(() => fs.readFile(path));
 */
export async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MoltError) throw error;
    const code = codeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new MoltError('quota-exceeded', 'The disk is full.', { code, usage: null, quota: null });
    }
    throw new MoltError('storage-error', `Snapshot store file operation failed: ${message}`, {
      code: code ?? null,
    });
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function orUndefinedIfMissing(error: unknown): Promise<undefined> {
  if (codeOf(error) === 'ENOENT') return undefined;
  throw error;
}

function ignoreUnsupported(error: unknown): undefined {
  if (['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP'].includes(codeOf(error) ?? '')) return undefined;
  throw error;
}

function asPlainBytes(bytes: Uint8Array): Uint8Array {
  // Node hands out Buffers (possibly views into a shared pool); callers get exactly the file's bytes.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '.' : path.slice(0, slash);
}

function randomSuffix(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}
