/**
 * Files for the command line: reading inputs with clear errors, and replacing a database file
 * atomically. The file system is handed in (last argument, with Node's as the default) so tests can
 * make any write fail and check that the original file is left as it was.
 */
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MoltError } from '../engine/errors.ts';

/** What molt needs to know about a file it read, to notice if it changes before the write. */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
  mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

/** A file opened for writing. Node's `FileHandle` is one. */
export interface WritableFile {
  writeFile(data: Uint8Array): Promise<void>;
  chmod(mode: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The few file operations the CLI uses. `node:fs/promises` is one. */
export interface FileSystem {
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<FileStat>;
  realpath(path: string): Promise<string>;
  open(path: string, flags: string, mode?: number): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const DEFAULT_FILE_SYSTEM: FileSystem = nodeFs;

/** The mode of a file written without an original to copy it from. */
export const DEFAULT_FILE_MODE = 0o644;

export interface FileOptions {
  /** The file system to use; Node's by default. */
  fs?: FileSystem;
}

/** A file read in full, with the identity it had when read. */
export interface ReadFile {
  /** The path after following symbolic links: the file that a write replaces. */
  path: string;
  bytes: Uint8Array;
  stat: FileStat;
}

/**
 * Reads a whole file. A missing file is `file-not-found`, a folder `invalid-argument`.
 * @example
 * const { bytes, path } = await readInputFile('app.sqlite');
 */
export async function readInputFile(path: string, options: FileOptions = {}): Promise<ReadFile> {
  const fs = options.fs ?? DEFAULT_FILE_SYSTEM;
  try {
    const real = await fs.realpath(path);
    const stat = await fs.stat(real);
    if (stat.isDirectory()) throw new MoltError('invalid-argument', `${path} is a folder, not a file`);
    return { path: real, bytes: await fs.readFile(real), stat };
  } catch (error) {
    throw fileError(error, path);
  }
}

/**
 * Reads a UTF-8 text file (a schema), with the same errors as `readInputFile`.
 * @example
 * const sql = await readTextFile('schema.sql');
 */
export async function readTextFile(path: string, options: FileOptions = {}): Promise<string> {
  const { bytes } = await readInputFile(path, options);
  return new TextDecoder().decode(bytes);
}

/** Whether a file exists and holds at least one byte (for the journal files next to a database). */
export async function hasContent(path: string, options: FileOptions = {}): Promise<boolean> {
  const fs = options.fs ?? DEFAULT_FILE_SYSTEM;
  try {
    return (await fs.stat(path)).size > 0;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw fileError(error, path);
  }
}

export interface ReplaceOptions extends FileOptions {
  /** The file as it was read: the write is refused when it changed since (size, time or inode). */
  expected?: FileStat;
}

/**
 * Replaces `path` with `bytes` so that the file is always either the old or the new content: write a
 * temporary file in the same folder, fsync it, rename it over the original, fsync the folder. On any
 * failure the temporary file is removed and the original is untouched. Keeps the original's mode.
 * @example
 * const file = await readInputFile('app.sqlite');
 * await replaceFileAtomically(file.path, newBytes, { expected: file.stat });
 */
export async function replaceFileAtomically(
  path: string,
  bytes: Uint8Array,
  options: ReplaceOptions = {},
): Promise<void> {
  const fs = options.fs ?? DEFAULT_FILE_SYSTEM;
  // Same folder, so the rename stays on one file system and is atomic.
  const temporary = join(dirname(path), `.${basename(path)}.molt-${process.pid}-${randomSuffix()}.tmp`);
  let created = false;
  try {
    const file = await fs.open(temporary, 'wx', 0o600);
    created = true;
    try {
      await file.writeFile(bytes);
      // Created private, then given the original's mode, so no one reads it more widely meanwhile.
      await file.chmod(options.expected ? options.expected.mode & 0o7777 : DEFAULT_FILE_MODE);
      await file.sync();
    } finally {
      await file.close();
    }
    if (options.expected) await checkUnchanged(fs, path, options.expected);
    await fs.rename(temporary, path);
    created = false;
  } catch (error) {
    if (created) await fs.unlink(temporary).catch(() => undefined);
    if (error instanceof MoltError) throw error;
    throw new MoltError(
      'storage-error',
      `could not write ${path}: ${describe(error)}; it was left as it was`,
      {
        path,
        errno: errnoOf(error),
      },
    );
  }
  await syncFolder(fs, dirname(path));
}

async function checkUnchanged(fs: FileSystem, path: string, expected: FileStat): Promise<void> {
  const now = await fs.stat(path);
  if (now.size !== expected.size || now.mtimeMs !== expected.mtimeMs || now.ino !== expected.ino) {
    throw new MoltError(
      'plan-stale',
      `${path} changed on disk while molt was working; it was left as it is, run the command again`,
      { path },
    );
  }
}

/** Makes the rename itself durable. Best effort: some systems cannot open or sync a folder. */
async function syncFolder(fs: FileSystem, folder: string): Promise<void> {
  try {
    const handle = await fs.open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is already safe in the renamed file; only the rename's durability is in question.
  }
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

function fileError(error: unknown, path: string): MoltError {
  if (error instanceof MoltError) return error;
  const errno = errnoOf(error);
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    return new MoltError('file-not-found', `${path} does not exist`, { path });
  }
  if (errno === 'EISDIR')
    return new MoltError('invalid-argument', `${path} is a folder, not a file`, { path });
  return new MoltError('storage-error', `could not read ${path}: ${describe(error)}`, { path, errno });
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  const errno = errnoOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return errno && !message.includes(errno) ? `${errno}: ${message}` : message;
}
