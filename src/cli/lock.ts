/**
 * Exclusive use of a database file across processes. Two `molt apply` or `molt migrate` runs that both
 * read a file and both replace it would silently drop the first one's work, so each holds a lock file
 * next to the database, `<db>.molt.lock`, that says who holds it: pid, hostname, start time, a token.
 *
 * Taking it: the record is written to a file of our own, then hard-linked to the lock's name. link(2)
 * fails with EEXIST when the name exists, exactly like O_EXCL, and the lock appears with its content
 * complete, so no reader ever sees a half-written lock.
 *
 * A lock whose holder died (same host, `kill(pid, 0)` fails with ESRCH) is taken over. Two processes can
 * find the same dead lock at once; it must be deleted once, and never after a live process took the
 * name in between. So deleting it is guarded by a second lock named after the dead lock's token,
 * `<lock>.break-<token>`: only its holder deletes, and only after reading that the lock still has that
 * token. Nothing else can remove a lock with that token (its holder is dead, and breaking it needs the
 * guard), so the lock read is the lock deleted. A guard left by a breaker that died is broken the same way.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { constants, hostname } from 'node:os';
import { MoltError } from '../engine/errors.ts';

/** How long `apply` and `migrate` wait for another molt process by default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** What a lock file holds. */
export interface LockRecord {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Random: tells this lock from any other, even one of the same pid. */
  token: string;
  command: string;
}

export interface LockOptions {
  /** How long to wait for a live holder before `locked`. Default `DEFAULT_LOCK_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** The command taking the lock, recorded for whoever waits on it. */
  command?: string;
  /** How errors name the database file (the path as the user gave it); its real path by default. */
  label?: string;
  /** Called once when the lock is held by someone else and this process starts to wait. */
  onWait?: (holder: LockRecord | null) => void;
}

/** A lock this process holds. */
export interface FileLock {
  path: string;
  /** How long this process waited for another holder, in milliseconds (0 when it did not). */
  waitedMs: number;
  /** Deletes the lock file if it is still this process's. Safe to call twice. */
  release(): Promise<void>;
}

/** The signals after which the lock file must not stay behind. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The lock file of a database file.
 * @example
 * lockPathFor('/data/app.sqlite'); // '/data/app.sqlite.molt.lock'
 */
export function lockPathFor(databasePath: string): string {
  return `${databasePath}.molt.lock`;
}

/**
 * Takes the lock of a database file (give its real path, so that every name of the file shares one
 * lock), waiting up to `timeoutMs` for a live holder and taking over the lock of a dead one. It is
 * released by `release()`, and also when the process exits or is stopped by SIGINT, SIGTERM or SIGHUP.
 * @example
 * const lock = await acquireLock('/data/app.sqlite', { timeoutMs: 5000, command: 'migrate' });
 * try { … } finally { await lock.release(); }
 */
export async function acquireLock(databasePath: string, options: LockOptions = {}): Promise<FileLock> {
  const path = lockPathFor(databasePath);
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const record: LockRecord = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    token: randomToken(),
    command: options.command ?? 'molt',
  };
  const candidate = `${path}.${record.pid}-${record.token}`;
  let held = false;
  // Synchronous, because it also runs from the 'exit' event and signal handlers.
  const cleanUp = () => {
    removeSync(candidate);
    if (held && readSync(path) === record.token) removeSync(path);
  };
  const detach = onProcessEnd(cleanUp);
  const started = Date.now();
  let waited = false;
  try {
    await fs.writeFile(candidate, `${JSON.stringify(record)}\n`, { flag: 'wx', mode: 0o644 });
    waited = await waitForLock(path, candidate, started + timeoutMs, {
      ...options,
      label: options.label ?? databasePath,
    });
    held = true;
    await fs.unlink(candidate);
  } catch (error) {
    detach();
    cleanUp();
    throw lockError(error, options.label ?? databasePath);
  }
  let released = false;
  return {
    path,
    waitedMs: waited ? Date.now() - started : 0,
    release: async () => {
      if (released) return;
      released = true;
      detach();
      cleanUp();
    },
  };
}

/** Takes the lock, waiting for a live holder until `deadline`; true when it had to wait for one. */
async function waitForLock(
  path: string,
  candidate: string,
  deadline: number,
  options: LockOptions & { label: string },
): Promise<boolean> {
  let waiting = false;
  for (;;) {
    if (await tryLink(candidate, path)) return waiting;
    const holder = await readLock(path);
    if (holder === undefined) continue; // released in between: try again at once
    if (holder.record && isDead(holder.record)) {
      if (await breakDeadLock(path, holder.record, candidate)) continue;
    } else if (!waiting) {
      waiting = true;
      options.onWait?.(holder.record);
    }
    if (Date.now() >= deadline) throw lockedError(options.label, path, holder.record, options);
    await sleep(25 + Math.random() * 50);
  }
}

/**
 * Deletes the lock at `path` if it still holds the dead lock `dead`, under the guard described at the
 * top of this file. False only when a live process holds the guard (it is breaking the same lock): wait.
 */
async function breakDeadLock(path: string, dead: LockRecord, candidate: string): Promise<boolean> {
  const guard = `${path}.break-${dead.token}`;
  if (!(await tryLink(candidate, guard))) {
    const other = await readLock(guard);
    if (!other) return true; // that breaker is done: look again
    return other.record !== null && isDead(other.record) && breakDeadLock(guard, other.record, candidate);
  }
  try {
    const now = await readLock(path);
    if (now?.record?.token === dead.token) await fs.unlink(path).catch(ignoreMissing);
    return true;
  } finally {
    await fs.unlink(guard).catch(ignoreMissing);
  }
}

/** Links `candidate` to `path`: true when this process now holds `path`, false when it exists. */
async function tryLink(candidate: string, path: string): Promise<boolean> {
  try {
    await fs.link(candidate, path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false;
    throw error;
  }
}

/** The lock at `path`: undefined when there is none, `record: null` when it does not parse. */
async function readLock(path: string): Promise<{ record: LockRecord | null } | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
  return { record: parseRecord(text) };
}

function parseRecord(text: string): LockRecord | null {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    const ok =
      Number.isSafeInteger(value.pid) &&
      typeof value.hostname === 'string' &&
      typeof value.token === 'string' &&
      /^[0-9a-z]{1,64}$/.test(value.token);
    return ok ? (value as LockRecord) : null;
  } catch {
    return null;
  }
}

/**
 * A holder on this host whose process is gone. Signal 0 checks without sending anything; EPERM means
 * the process exists but belongs to another user. A holder with this very pid that started before this
 * process did was an earlier process that had the same pid (containers reuse pids from 1 after a
 * restart). A holder on another host cannot be checked, so it counts as alive.
 */
function isDead(record: LockRecord): boolean {
  if (record.hostname !== hostname()) return false;
  if (record.pid === process.pid) return Date.parse(record.startedAt) < PROCESS_STARTED_AT;
  try {
    process.kill(record.pid, 0);
    return false;
  } catch (error) {
    return codeOf(error) === 'ESRCH';
  }
}

const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

/** Runs `cleanUp` if the process exits or is stopped by a signal; returns the function that stops that. */
function onProcessEnd(cleanUp: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    // Exit here, with the shell's code for the signal. Raising the signal again after removing this
    // handler is not reliable: Node may still catch it and carry on, without the lock. Files are only
    // ever replaced by a rename, so stopping at any point leaves each one old or new, never half.
    process.exit(128 + (constants.signals[signal] ?? 0));
  };
  const detach = () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('exit', cleanUp);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', cleanUp);
  return detach;
}

function lockedError(
  databasePath: string,
  path: string,
  holder: LockRecord | null,
  options: LockOptions,
): MoltError {
  const waited = `waited ${formatSeconds(options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS)}`;
  const who = holder
    ? `molt ${holder.command} (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt})`
    : 'a lock file molt cannot read';
  return new MoltError(
    'locked',
    `${databasePath} is in use by ${who}; ${waited}. If no molt process is using it, delete ${path}`,
    { path: databasePath, lock: path, holder },
  );
}

function lockError(error: unknown, databasePath: string): unknown {
  if (error instanceof MoltError) return error;
  const code = codeOf(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MoltError('file-not-found', `the folder of ${databasePath} does not exist`, {
      path: databasePath,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new MoltError('storage-error', `could not take the lock on ${databasePath}: ${message}`, {
    path: databasePath,
    errno: code,
  });
}

function readSync(path: string): string | undefined {
  try {
    return parseRecord(readFileSync(path, 'utf8'))?.token;
  } catch {
    return undefined;
  }
}

function removeSync(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or not ours to remove: either way there is nothing left to do.
  }
}

function ignoreMissing(error: unknown): void {
  if (codeOf(error) !== 'ENOENT') throw error;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
