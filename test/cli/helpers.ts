/**
 * Running the real CLI as a child process on real .sqlite files made with sql.js in a temporary folder.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/index.ts';

/** The SQLite the CLI runs in this test run: the `cli-wasm` project sets MOLT_SQLITE=wasm. */
export const ENGINE: 'native' | 'wasm' = process.env.MOLT_SQLITE === 'wasm' ? 'wasm' : 'native';

const BIN = fileURLToPath(new URL('../../scripts/molt-from-source.mjs', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from the sources (scripts/molt-from-source.mjs) in `cwd`: its exit code and output. */
export function molt(args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, MOLT_DEBUG: '' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts the CLI from the sources in `cwd`: the process, and its result once it ends. */
export function startMolt(args: string[], cwd: string): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, MOLT_DEBUG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr });
    });
  });
  return { child, done };
}

/**
 * Runs the CLI's `main` in this process, for the cases that need no separate process: relative
 * `.sqlite` and `.sql` arguments are taken relative to `cwd` (give folders as absolute paths), and `cwd`
 * is taken out of the output again.
 */
export async function moltInProcess(args: string[], cwd: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const absolute = args.map((a) => (/\.(sqlite|sql)$/.test(a) && !isAbsolute(a) ? join(cwd, a) : a));
  const code = await main(absolute, {
    stdout: (text) => {
      stdout += text.replaceAll(`${cwd}/`, '');
    },
    stderr: (text) => {
      stderr += text.replaceAll(`${cwd}/`, '');
    },
    env: {},
  });
  return { code, stdout, stderr };
}

/** A fresh temporary folder, removed by the returned function. */
export async function tempFolder(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'molt-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A temporary folder for the test file (made before its tests, removed after them) and a fresh
 * numbered subfolder per call, since the tests run concurrently.
 * @example
 * const folders = testFolders();
 * const dir = await folders.next();
 */
export function testFolders(): { next: () => Promise<string> } {
  let root = '';
  let cleanup = async () => {};
  let count = 0;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempFolder());
  });
  afterAll(() => cleanup());
  return {
    next: async () => {
      const dir = join(root, String(++count));
      await mkdir(dir);
      return dir;
    },
  };
}

/** Writes a database file built by running `sql` in sql.js. */
export async function writeDatabase(path: string, sql: string): Promise<Uint8Array> {
  const conn = openSqlJs(await loadSqlJs());
  try {
    conn.exec(sql);
    const bytes = conn.export();
    await writeFile(path, bytes);
    return bytes;
  } finally {
    conn.close();
  }
}

/** Reads rows from a database file with sql.js. */
export async function queryFile(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const conn = openSqlJs(await loadSqlJs(), await readFile(path));
  try {
    return conn.query(sql);
  } finally {
    conn.close();
  }
}

/** Writes the `.sql` files of a migrations folder (created if needed); returns the folder. */
export async function writeMigrations(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

/** Writes the lock file of `db` as a molt process `pid` on this host would hold it. */
export function writeLock(db: string, pid: number, token = 'f00d'): Promise<string> {
  return writeLockFile(`${db}.molt.lock`, pid, token);
}

/** Writes a lock record to `path`. */
export async function writeLockFile(path: string, pid: number, token: string): Promise<string> {
  const record = {
    pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    token,
    command: 'migrate',
  };
  await writeFile(path, `${JSON.stringify(record)}\n`);
  return path;
}

/** The pid of a process that has ended (no process has it now, barring reuse). */
export function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (!pid) throw new Error('could not start a process');
  return pid;
}

/** Polls `check` every 20 ms until it is true; fails after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Files in `dir` other than the given ones: a failed write must leave no temporary file behind. */
export async function strayFiles(dir: string, expected: string[]): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !expected.includes(name));
}

/** The shape every error must have: one line on stderr, with its code, no stack trace, nothing on stdout. */
export function expectOneLineError(result: RunResult, code: string): void {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  if (
    result.code !== 1 ||
    result.stdout !== '' ||
    lines.length !== 1 ||
    !lines[0]!.startsWith(`molt: error: ${code}: `)
  ) {
    throw new Error(`expected one '${code}' error line and exit 1, got ${JSON.stringify(result)}`);
  }
}

/** The database most tests start from: two related tables with rows, AUTOINCREMENT, an index. */
export const BASE_SQL = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, email TEXT, legacy TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  title TEXT);
CREATE INDEX posts_user ON posts(user_id);
INSERT INTO users (name, email, legacy) VALUES ('Ada', 'ada@example.org', 'x'), ('Bo', 'bo@example.org', NULL),
  (NULL, NULL, NULL), ('Dee', 'dee@example.org', NULL), ('Zoë "Z"', x'00ff', NULL);
DELETE FROM users WHERE id = 4;
INSERT INTO posts (user_id, title) VALUES (1, 'first'), (1, 'second'), (2, 'third'), (3, 'fourth'), (5, NULL);
`;

/** BASE_SQL's schema, unchanged. */
export const BASE_SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, email TEXT, legacy TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  title TEXT);
CREATE INDEX posts_user ON posts(user_id);
`;

/** A change that rebuilds users (type and NOT NULL changes) and adds a column and an index. */
export const REBUILD_SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT '',
  email TEXT COLLATE NOCASE, legacy TEXT, created INTEGER DEFAULT 0);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  title TEXT, body TEXT);
CREATE INDEX posts_user ON posts(user_id);
CREATE UNIQUE INDEX users_email ON users(email);
`;

/** Drops users.legacy, which holds a value: blocked without --allow-data-loss. */
export const DROP_COLUMN_SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, email TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  title TEXT);
CREATE INDEX posts_user ON posts(user_id);
`;
