/**
 * Versioned migrations from a folder: every `.sql` file is one migration, its id the file name without
 * `.sql`, run in id order (plain string order, as the engine sorts them: `0001_init` before
 * `0002_users`). The file system is handed in, as Kysely's file migration provider is.
 */
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { MoltError } from '../engine/errors.ts';
import type { Migration } from '../engine/index.ts';

/** A migration read from a file. */
export interface MigrationFile extends Migration {
  up: string;
  /** The file's name in its folder. */
  file: string;
}

/** The file operations the reader uses; `node:fs/promises` is one. */
export interface FolderFs {
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean }>;
}

const SUFFIX = '.sql';

/**
 * Reads the migrations in a folder, sorted by id. Hidden files (editors' backups) are skipped. A
 * missing folder is `file-not-found`, a file given instead of a folder `invalid-argument`.
 * @example
 * const migrations = await readMigrationsFolder('migrations');
 * // [{ id: '0001_init', file: '0001_init.sql', up: 'CREATE TABLE …' }, …]
 */
export async function readMigrationsFolder(
  dir: string,
  options: { fs?: FolderFs } = {},
): Promise<MigrationFile[]> {
  const fs = options.fs ?? nodeFs;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') {
      throw new MoltError('file-not-found', `migrations folder ${dir} does not exist`, { path: dir });
    }
    if (code === 'ENOTDIR') {
      throw new MoltError('invalid-argument', `${dir} is a file, not a folder of migrations`, { path: dir });
    }
    throw error;
  }
  const migrations: MigrationFile[] = [];
  for (const file of names) {
    if (!file.endsWith(SUFFIX) || file.startsWith('.') || file.length === SUFFIX.length) continue;
    const path = join(dir, file);
    if (!(await fs.stat(path)).isFile()) continue;
    migrations.push({ id: file.slice(0, -SUFFIX.length), file, up: decode(await fs.readFile(path)) });
  }
  return migrations.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * UTF-8. TextDecoder drops the byte order mark some editors write first, which SQLite would otherwise
 * take for the start of a token.
 */
function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
