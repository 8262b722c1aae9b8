/**
 * The past releases `molt test` replays, from the places apps keep them: a folder with one schema per
 * release, the versions of one schema file in git (its tags, or its last commits), or the prefixes of
 * a folder of versioned migrations (each migration a release).
 */
import { execFile } from 'node:child_process';
import * as nodeFs from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MoltError } from '../engine/errors.ts';
import type { Migration } from '../engine/index.ts';
import type { Release } from '../testing/index.ts';
import { type FolderFs, readMigrationsFolder } from './migrations-folder.ts';

/** Release names sort as people number versions: v2 before v10. */
const ORDER = new Intl.Collator('en', { numeric: true });

/**
 * Reads a history folder: each `<name>.sql` file is the schema of release `<name>`; each sub-folder
 * `<name>/` is a release with a `schema.sql`, a `migrations/` folder, or both. In name order.
 * @example
 * const releases = await readHistoryFolder('history');
 * // [{ name: 'v1', schema: 'CREATE TABLE …' }, { name: 'v2', schema: … }]
 */
export async function readHistoryFolder(dir: string, options: { fs?: FolderFs } = {}): Promise<Release[]> {
  const fs = options.fs ?? nodeFs;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT')
      throw new MoltError('file-not-found', `history folder ${dir} does not exist`, { path: dir });
    if (code === 'ENOTDIR')
      throw new MoltError('invalid-argument', `${dir} is a file, not a folder of releases`, { path: dir });
    throw error;
  }
  const releases: Release[] = [];
  for (const name of names.filter((n) => !n.startsWith('.')).sort(ORDER.compare)) {
    const path = join(dir, name);
    const stat = await fs.stat(path);
    if (stat.isFile() && name.endsWith('.sql') && name.length > 4) {
      releases.push({ name: name.slice(0, -4), schema: text(await fs.readFile(path)) });
    } else if (stat.isDirectory()) {
      releases.push(await readReleaseFolder(path, name, fs));
    }
  }
  if (releases.length === 0) {
    throw new MoltError(
      'invalid-argument',
      `${dir} holds no releases (<name>.sql files or <name>/ folders)`,
      { path: dir },
    );
  }
  return releases;
}

async function readReleaseFolder(path: string, name: string, fs: FolderFs): Promise<Release> {
  const entries = await fs.readdir(path);
  const release: Release = { name };
  if (entries.includes('schema.sql')) release.schema = text(await fs.readFile(join(path, 'schema.sql')));
  if (entries.includes('migrations'))
    release.migrations = await readMigrationsFolder(join(path, 'migrations'), { fs });
  if (release.schema === undefined && release.migrations === undefined) {
    throw new MoltError('invalid-argument', `release folder ${path} has neither schema.sql nor migrations/`, {
      path,
    });
  }
  return release;
}

/**
 * Every state a database of a migrations-only app can be in: release k ran the first k migrations.
 * The last one (all of them: the current app) is left out.
 * @example
 * migrationPrefixes(migrations).map((r) => r.name); // ['0001_init', '0002_tags']
 */
export function migrationPrefixes(migrations: readonly Migration[]): Release[] {
  return migrations.slice(0, -1).map((m, k) => ({ name: m.id, migrations: migrations.slice(0, k + 1) }));
}

export interface GitHistoryOptions {
  /** One release per tag whose tree has the file, oldest first. */
  tags?: boolean;
  /** Otherwise the last N commits that changed the file (default 10), oldest first. */
  last?: number;
}

export const DEFAULT_GIT_COMMITS = 10;

const run = promisify(execFile);

/**
 * Reads the versions of one schema file from git, each a release named by its tag or short commit.
 * @example
 * const releases = await readGitHistory('schema.sql', { tags: true });
 */
export async function readGitHistory(file: string, options: GitHistoryOptions = {}): Promise<Release[]> {
  const cwd = dirname(resolve(file));
  const path = `./${basename(file)}`;
  const git = async (...args: string[]) => {
    try {
      return (await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim();
      throw new MoltError('invalid-argument', `git ${args[0]} failed for ${file}: ${stderr.split('\n')[0]}`, {
        file,
      });
    }
  };
  const revisions: { name: string; rev: string }[] = [];
  if (options.tags) {
    for (const tag of (await git('tag', '--list', '--sort=creatordate')).split('\n').filter(Boolean)) {
      revisions.push({ name: tag, rev: tag });
    }
  } else {
    const last = options.last ?? DEFAULT_GIT_COMMITS;
    const log = await git('log', `-n${last}`, '--format=%H', '--', path);
    for (const hash of log.split('\n').filter(Boolean).reverse())
      revisions.push({ name: hash.slice(0, 12), rev: hash });
  }
  const releases: Release[] = [];
  for (const { name, rev } of revisions) {
    const schema = await git('show', `${rev}:${path}`).catch(() => null);
    if (schema !== null) releases.push({ name, schema });
  }
  if (releases.length === 0) {
    const where = options.tags ? 'no tag has' : 'no commit changed';
    throw new MoltError('invalid-argument', `${where} ${file} in git`, { file });
  }
  return releases;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
