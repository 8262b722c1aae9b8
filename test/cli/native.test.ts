/**
 * The CLI on native SQLite, as a child process, against database files that a second process holds
 * open the way an app does (idle, reading, in a write transaction, in WAL mode with changes only in
 * its WAL), write-protected files, and `kill -9` at many points of an apply: the file is always the
 * old or the new database, whole, and never replaced under the other process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, copyFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { openStoreFor } from '../../src/cli/backup.ts';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/sql-js.ts';
import {
  BASE_SQL,
  expectOneLineError,
  molt,
  REBUILD_SCHEMA,
  sha256File,
  startMolt,
  testFolders,
  waitUntil,
  writeDatabase,
} from './helpers.ts';

const HOLDER = fileURLToPath(new URL('../support/sqlite-holder.cjs', import.meta.url));
const folders = testFolders();

async function setup(): Promise<{ dir: string; db: string }> {
  const dir = await folders.next();
  await writeDatabase(join(dir, 'app.sqlite'), BASE_SQL);
  await writeFile(join(dir, 'schema.sql'), REBUILD_SCHEMA);
  return { dir, db: join(dir, 'app.sqlite') };
}

/** A second process holding `db` open; `ask` sends one command and resolves with its answer. */
async function hold(db: string, mode: 'idle' | 'reading' | 'writing' | 'wal') {
  const child: ChildProcess = spawn(process.execPath, [HOLDER, db, mode], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffer = '';
  child.stdout?.on('data', (data) => {
    buffer += data;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  await waitUntil(async () => lines.includes('ready'), 10_000);
  lines.length = 0;
  return {
    pid: child.pid as number,
    async ask(command: string): Promise<string> {
      child.stdin?.write(`${command}\n`);
      await waitUntil(async () => lines.length > 0, 10_000);
      return lines.shift() as string;
    },
    stop() {
      child.kill('SIGKILL');
    },
  };
}

function columns(db: string, table: string): string[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
  } finally {
    conn.close();
  }
}

describe.concurrent('molt apply (native) with the file open in another process', () => {
  test('idle: applied in place (same inode); the other process then reads the new schema and writes', async () => {
    const { dir, db } = await setup();
    const inode = (await stat(db)).ino;
    const holder = await hold(db, 'idle');
    try {
      const result = await molt(['apply', 'app.sqlite', 'schema.sql'], dir);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Ran on SQLite 3\.\d+\.\d+, native, in place\./);
      expect((await stat(db)).ino).toBe(inode);
      expect(await holder.ask('columns users')).toBe('id,name,email,legacy,created');
      expect(await holder.ask('write')).toBe('ok');
      expect(await holder.ask('count posts')).toBe('6');
    } finally {
      holder.stop();
    }
    expect(columns(db, 'posts')).toContain('body');
  });

  test('reading: SQLite cannot commit while the reader holds its lock; locked, naming the reader, file unchanged', async () => {
    const { dir, db } = await setup();
    const before = await sha256File(db);
    const holder = await hold(db, 'reading');
    try {
      const result = await molt(['apply', 'app.sqlite', 'schema.sql', '--lock-timeout', '300'], dir);
      expectOneLineError(result, 'locked');
      expect(result.stderr).toContain(`pid ${holder.pid}`);
      expect(await sha256File(db)).toBe(before);
      // Once the reader is done, the same command applies.
      expect(await holder.ask('end')).toBe('ok');
      expect((await molt(['apply', 'app.sqlite', 'schema.sql'], dir)).code).toBe(0);
      expect(await holder.ask('columns users')).toBe('id,name,email,legacy,created');
    } finally {
      holder.stop();
    }
  });

  test('in a write transaction: locked after --lock-timeout, naming the writer; its transaction still commits', async () => {
    const { dir, db } = await setup();
    const before = await sha256File(db);
    const holder = await hold(db, 'writing');
    try {
      const result = await molt(['apply', 'app.sqlite', 'schema.sql', '--lock-timeout', '300'], dir);
      expectOneLineError(result, 'locked');
      expect(result.stderr).toContain(`pid ${holder.pid}`);
      expect(await sha256File(db)).toBe(before);
      expect(await holder.ask('write')).toBe('ok');
      expect(await holder.ask('end')).toBe('ok');
      expect(await holder.ask('count posts')).toBe('6');
    } finally {
      holder.stop();
    }
  });

  test('a writer that finishes within --lock-timeout is waited for, then the apply runs', async () => {
    const { dir, db } = await setup();
    const holder = await hold(db, 'writing');
    try {
      const run = startMolt(['apply', 'app.sqlite', 'schema.sql', '--lock-timeout', '20000'], dir);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await holder.ask('write')).toBe('ok');
      expect(await holder.ask('end')).toBe('ok');
      const result = await run.done;
      expect(result.code).toBe(0);
      // The row the writer committed while molt waited is in the migrated file.
      expect(await holder.ask('count posts')).toBe('6');
    } finally {
      holder.stop();
    }
    expect(columns(db, 'users')).toContain('created');
  });

  test('WAL mode with changes only in the WAL: they are migrated and in the pre-migrate snapshot', async () => {
    const { dir, db } = await setup();
    const holder = await hold(db, 'wal');
    try {
      expect((await stat(`${db}-wal`)).size).toBeGreaterThan(0);
      const result = await molt(['apply', 'app.sqlite', 'schema.sql', '--json'], dir);
      expect(result.code).toBe(0);
      const out = JSON.parse(result.stdout);
      expect(out.sqlite.engine).toBe('native');
      expect(await holder.ask('count posts')).toBe('6');
      expect(await holder.ask('columns posts')).toBe('id,user_id,title,body');
      expect(await holder.ask('write')).toBe('ok');
      // The pre-migrate snapshot is the database as it was, the row that was only in the WAL included.
      const store = openStoreFor(db);
      const { bytes } = await store.loadSnapshot(out.snapshots.preMigrate);
      const conn = openSqlJs(await loadSqlJs(), bytes);
      try {
        expect(conn.query("SELECT count(*) AS n FROM posts WHERE title = 'only in the WAL'")).toEqual([
          { n: 1 },
        ]);
        expect(conn.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      } finally {
        conn.close();
        await store.close();
      }
    } finally {
      holder.stop();
    }
    const check = new Database(db, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM posts').pluck().get()).toBe(7);
    check.close();
  });
});

describe.concurrent('molt apply (native) on files it must not write', () => {
  test('a write-protected (0444) file: read-only, nothing written; plan still reads it', async () => {
    const { dir, db } = await setup();
    await chmod(db, 0o444);
    const before = await sha256File(db);
    const result = await molt(['apply', 'app.sqlite', 'schema.sql'], dir);
    expectOneLineError(result, 'read-only');
    expect(await sha256File(db)).toBe(before);
    expect((await stat(db)).mode & 0o777).toBe(0o444);
    expect((await readdir(dir)).sort()).toEqual(['app.sqlite', 'schema.sql']);
    const plan = await molt(['plan', 'app.sqlite', 'schema.sql'], dir);
    expect(plan.code).toBe(0);
    const migrate = await molt(['migrate', 'app.sqlite', dir], dir);
    expectOneLineError(migrate, 'read-only');
  });

  test('--json: an error is a JSON object on stdout too', async () => {
    const { dir, db } = await setup();
    await chmod(db, 0o444);
    const result = await molt(['apply', 'app.sqlite', 'schema.sql', '--json'], dir);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'error', error: { code: 'read-only' } });
    expect(result.stderr).toMatch(/^molt: error: read-only: /);
  });

  test('--sqlite wasm keeps the in-memory path and says so', async () => {
    const { dir } = await setup();
    const result = await molt(['apply', 'app.sqlite', 'schema.sql', '--sqlite', 'wasm'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/written in [\s\S]*\nRan on SQLite 3\.\d+\.\d+, wasm\.\n$/);
  });

  test('--sqlite with another value is a usage error', async () => {
    const { dir } = await setup();
    expectOneLineError(
      await molt(['plan', 'app.sqlite', 'schema.sql', '--sqlite', 'rust'], dir),
      'invalid-argument',
    );
  });
});

/** A file large enough that an apply runs for a while: 100,000 users, 100,000 posts. */
async function bigDatabase(path: string): Promise<void> {
  const conn = new Database(path);
  conn.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, email TEXT, legacy TEXT);
    CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, title TEXT);
    CREATE INDEX posts_user ON posts(user_id);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
    INSERT INTO users (name, email) SELECT 'user ' || i, 'u' || i || '@example.org' FROM n;
    INSERT INTO posts (user_id, title) SELECT id, 'post of ' || name FROM users;`);
  conn.close();
}

describe('kill -9 during a native apply', () => {
  test('at many points: the file is always the old or the new database, integrity_check ok, every row kept', async () => {
    const dir = await folders.next();
    const original = join(dir, 'original.sqlite');
    await bigDatabase(original);
    await writeFile(join(dir, 'schema.sql'), REBUILD_SCHEMA);
    const oldColumns = columns(original, 'users');
    // How long a whole apply takes here, to spread the kills over it.
    await copyFile(original, join(dir, 'timing.sqlite'));
    const started = performance.now();
    expect((await molt(['apply', 'timing.sqlite', 'schema.sql'], dir)).code).toBe(0);
    const whole = performance.now() - started;
    const newColumns = columns(join(dir, 'timing.sqlite'), 'users');
    const seen = { old: 0, new: 0 };
    const points = 12;
    for (let i = 0; i < points; i++) {
      const db = join(dir, `kill-${i}.sqlite`);
      await copyFile(original, db);
      const run = startMolt(['apply', `kill-${i}.sqlite`, 'schema.sql'], dir);
      await new Promise((resolve) => setTimeout(resolve, (whole * (i + 0.5)) / points));
      run.child.kill('SIGKILL');
      await run.done;
      // Opening it as any program would: SQLite rolls a hot journal back first.
      const conn = new Database(db);
      try {
        expect(conn.prepare('PRAGMA integrity_check').pluck().all()).toEqual(['ok']);
        expect(conn.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
        const now = conn.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('users');
        if (JSON.stringify(now) === JSON.stringify(oldColumns)) seen.old++;
        else if (JSON.stringify(now) === JSON.stringify(newColumns)) seen.new++;
        else throw new Error(`neither old nor new: ${now.join(',')}`);
        expect(conn.prepare('SELECT count(*) FROM users').pluck().get()).toBe(100_000);
        expect(conn.prepare('SELECT count(*) FROM posts').pluck().get()).toBe(100_000);
      } finally {
        conn.close();
      }
    }
    // The kills landed both before and after the commit.
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.old + seen.new).toBe(points);
  }, 300_000);
});
