/**
 * Which processes hold SQLite's locks on a database file, for the `locked` error. SQLite locks with
 * POSIX advisory locks (fcntl) on the database file (rollback journal) or on its `-shm` file (WAL);
 * Linux lists them in /proc/locks by device and inode. Elsewhere the holder is simply not known.
 */
import { readFile, stat } from 'node:fs/promises';

/** A process holding a lock on the file. */
export interface LockHolder {
  pid: number;
  /** Its command line, when it can be read. */
  command: string | null;
}

/**
 * The other processes holding POSIX locks on `path` or `path-shm`; empty when none or unknown.
 * @example
 * const holders = await findLockHolders('/data/app.sqlite'); // [{ pid: 4242, command: 'node server.js' }]
 */
export async function findLockHolders(path: string): Promise<LockHolder[]> {
  let table: string;
  try {
    table = await readFile('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const keys = new Set<string>();
  for (const file of [path, `${path}-shm`]) {
    const s = await stat(file).catch(() => null);
    if (s) keys.add(`${major(s.dev)}:${minor(s.dev)}:${s.ino}`);
  }
  const pids = new Set<number>();
  for (const line of table.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 12251 fe:00:2175172 1073741824 1073742335"
    const match = /^\d+:\s+POSIX\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (!match) continue;
    const [, pid, maj, min, ino] = match as unknown as [string, string, string, string, string];
    if (keys.has(`${Number.parseInt(maj, 16)}:${Number.parseInt(min, 16)}:${ino}`)) pids.add(Number(pid));
  }
  pids.delete(process.pid);
  return Promise.all([...pids].sort((a, b) => a - b).map(describeProcess));
}

async function describeProcess(pid: number): Promise<LockHolder> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const command = raw.split('\0').filter(Boolean).join(' ');
    return { pid, command: command.length > 120 ? `${command.slice(0, 117)}...` : command || null };
  } catch {
    return { pid, command: null };
  }
}

/**
 * The holders in words: `pid 4242 (node server.js)`, or `another process` when none is known.
 * @example
 * describeHolders([{ pid: 4242, command: 'sqlite3 app.sqlite' }]); // 'pid 4242 (sqlite3 app.sqlite)'
 */
export function describeHolders(holders: readonly LockHolder[]): string {
  if (holders.length === 0) return 'another process';
  return holders.map((h) => (h.command ? `pid ${h.pid} (${h.command})` : `pid ${h.pid}`)).join(', ');
}

// Linux's dev_t encoding (glibc's gnu_dev_major / gnu_dev_minor).
function major(dev: number): number {
  return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
}

function minor(dev: number): number {
  return (dev & 0xff) | ((dev >>> 12) & ~0xff & 0xfffff);
}
