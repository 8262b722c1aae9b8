/**
 * Using a database file exclusively: molt's own lock (lock.ts) around the commands that replace the
 * file, and a refusal of files another program has open.
 */
import { isMoltError, MoltError } from '../engine/errors.ts';
import { resolveDatabasePath } from './backup.ts';
import { usageError } from './command.ts';
import { hasContent } from './io.ts';
import { acquireLock, DEFAULT_LOCK_TIMEOUT_MS, type LockRecord } from './lock.ts';

/** The `--lock-timeout` option, in `node:util` parseArgs form, and its help line. */
export const LOCK_TIMEOUT_OPTION = { 'lock-timeout': { type: 'string' } } as const;
export const LOCK_TIMEOUT_HELP = `  --lock-timeout <ms>     wait this long for another molt process using <db> (default ${DEFAULT_LOCK_TIMEOUT_MS})`;

export interface DatabaseLockOptions {
  /** The command taking the lock: recorded in it, and named in `--lock-timeout` errors. */
  command: string;
  /** The `--lock-timeout` value as given. */
  timeout?: string | undefined;
  /** Whether the database file must exist already (default true; `restore` can recreate it). */
  mustExist?: boolean;
  /** Told once, with a line to print, when another process holds the lock and this one waits. */
  notify?: (line: string) => void;
}

/**
 * Runs `run` holding the lock of database file `path`, given the path's real name (every name of a
 * file shares one lock and one snapshot store). When the file was deleted while this process waited,
 * the `file-not-found` error says so.
 * @example
 * await withDatabaseLock('app.sqlite', async (real) => { … }, { command: 'apply', timeout: '5000' });
 */
export async function withDatabaseLock<T>(
  path: string,
  run: (real: string) => Promise<T>,
  options: DatabaseLockOptions,
): Promise<T> {
  const timeoutMs = parseLockTimeout(options.command, options.timeout);
  const { real, exists } = await resolveDatabasePath(path);
  if (!exists && options.mustExist !== false) {
    throw new MoltError('file-not-found', `${path} does not exist`, { path });
  }
  const { notify } = options;
  const lock = await acquireLock(real, {
    timeoutMs,
    command: options.command,
    label: path,
    ...(notify && { onWait: (holder) => notify(waitingLine(path, holder)) }),
  });
  try {
    return await run(real);
  } catch (error) {
    if (lock.waitedMs > 0 && isMoltError(error, 'file-not-found') && error.details.path === path) {
      throw new MoltError('file-not-found', `${path} was deleted while molt waited for the lock`, { path });
    }
    throw error;
  } finally {
    await lock.release();
  }
}

function waitingLine(path: string, holder: LockRecord | null): string {
  const who = holder ? `molt ${holder.command} (pid ${holder.pid})` : 'another process';
  return `molt: waiting for ${who} to finish with ${path}\n`;
}

/**
 * The `--lock-timeout` value in milliseconds (the default when absent); a bad value is a usage error.
 * @example
 * parseLockTimeout('apply', '5000'); // 5000
 */
export function parseLockTimeout(command: string, value: string | undefined): number {
  if (value === undefined) return DEFAULT_LOCK_TIMEOUT_MS;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(ms)) {
    throw usageError(command, `--lock-timeout '${value}' is not a whole number of milliseconds`);
  }
  return ms;
}

/**
 * Refuses a database whose `-wal` or `-journal` holds changes: it is open in another program (or was
 * not closed cleanly), so the main file alone is not the database, and writing it would lose those
 * changes or corrupt it when SQLite replays the journal over it.
 * @example
 * await refuseOpenJournal('app.sqlite', '/data/app.sqlite');
 */
export async function refuseOpenJournal(label: string, path: string): Promise<void> {
  for (const suffix of ['-wal', '-journal']) {
    if (await hasContent(path + suffix)) {
      throw new MoltError(
        'locked',
        `${label}${suffix} holds changes that are not in ${label} yet (it is open elsewhere, or was not ` +
          'closed cleanly): close the app using it, or open it once with sqlite3, then try again',
        { path: label, journal: path + suffix },
      );
    }
  }
}
