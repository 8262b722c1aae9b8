import { spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { acquireLock, lockPathFor } from '../../src/cli/lock.ts';
import {
  BASE_SQL,
  deadPid,
  expectOneLineError,
  molt,
  moltInProcess,
  queryFile,
  REBUILD_SCHEMA,
  sha256File,
  startMolt,
  testFolders,
  waitUntil,
  writeDatabase,
  writeLock,
  writeLockFile,
  writeMigrations,
} from './helpers.ts';

const folders = testFolders();

/** A folder of its own per test: the base database, a schema, and a slow-ish set of migrations. */
async function setup() {
  const dir = await folders.next();
  const db = join(dir, 'app.sqlite');
  await writeDatabase(db, BASE_SQL);
  await writeFile(join(dir, 'schema.sql'), REBUILD_SCHEMA);
  await writeMigrations(join(dir, 'migrations'), {
    '0001_numbers.sql': `CREATE TABLE numbers (n INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20000)
INSERT INTO numbers SELECT n, 'number ' || n FROM s;`,
    '0002_index.sql': 'CREATE INDEX numbers_label ON numbers(label);',
  });
  return { dir, db };
}

/** Files next to the database that belong to the lock: the lock, a waiting candidate, a breaker's guard. */
async function lockFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.includes('.molt.lock')).sort();
}

describe.concurrent('the lock between molt processes', () => {
  test('two migrate processes racing on one file: one applies, the other finds it up to date', async () => {
    const { dir, db } = await setup();
    const args = ['migrate', 'app.sqlite', 'migrations', '--json'];
    const results = await Promise.all([molt(args, dir), molt(args, dir)]);

    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });
    const statuses = results.map((r) => JSON.parse(r.stdout).status).sort();
    expect(statuses).toEqual(['applied', 'up-to-date']);
    expect(await queryFile(db, 'SELECT id FROM _molt_migrations ORDER BY id')).toEqual([
      { id: '0001_numbers' },
      { id: '0002_index' },
    ]);
    expect(await queryFile(db, 'SELECT count(*) AS n FROM numbers')).toEqual([{ n: 20000 }]);
    expect(await lockFiles(dir)).toEqual([]);
  });

  test('a stale lock of a dead process is taken over', async () => {
    const { dir, db } = await setup();
    await writeLock(db, deadPid());

    const result = await moltInProcess(['apply', 'app.sqlite', 'schema.sql', '--lock-timeout', '0'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await lockFiles(dir)).toEqual([]);
  });

  test('a live holder: the loser waits --lock-timeout, then fails with locked and changes nothing', async () => {
    const { dir, db } = await setup();
    const lock = await writeLock(db, process.pid);
    const before = await sha256File(db);

    const result = await moltInProcess(
      ['migrate', 'app.sqlite', join(dir, 'migrations'), '--lock-timeout', '300'],
      dir,
    );
    expectOneLineError(result, 'locked');
    expect(result.stderr).toContain(`pid ${process.pid}`);
    expect(await sha256File(db)).toBe(before);
    // The holder's lock is the holder's: still there, unchanged; nothing else left behind.
    expect(await lockFiles(dir)).toEqual(['app.sqlite.molt.lock']);
    expect(await readFile(lock, 'utf8')).toContain('"token":"f00d"');
    expect((await readdir(dir)).sort()).toEqual([
      'app.sqlite',
      'app.sqlite.molt.lock',
      'migrations',
      'schema.sql',
    ]);
  });

  test('a database deleted while waiting for the lock: file-not-found, and the lock is released', async () => {
    const { dir, db } = await setup();
    const lock = await writeLock(db, process.pid);
    const run = startMolt(['migrate', 'app.sqlite', 'migrations', '--lock-timeout', '60000'], dir);
    // While it waits, its own record sits next to the lock, ready to be linked in.
    await waitUntil(async () => (await lockFiles(dir)).length === 2);
    await rm(db);
    await rm(lock);

    const result = await run.done;
    expectOneLineError(result, 'file-not-found');
    expect(result.stderr).toContain('app.sqlite was deleted while molt waited for the lock');
    expect(await lockFiles(dir)).toEqual([]);
  });

  test('SIGINT while waiting removes what the process wrote and leaves the holder its lock', async () => {
    const { dir, db } = await setup();
    await writeLock(db, process.pid);
    const run = startMolt(['apply', 'app.sqlite', 'schema.sql'], dir);
    await waitUntil(async () => (await lockFiles(dir)).length === 2);
    run.child.kill('SIGINT');

    expect((await run.done).code).toBe(130);
    expect(await lockFiles(dir)).toEqual(['app.sqlite.molt.lock']);
  });

  test('SIGTERM while holding the lock releases it', async () => {
    const { dir, db } = await setup();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HOLD_LOCK, db], {
      cwd: REPO,
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitUntil(async () => (await lockFiles(dir)).includes('app.sqlite.molt.lock'));
    expect(await lockFiles(dir)).toEqual(['app.sqlite.molt.lock']);
    child.kill('SIGTERM');

    expect(await exited).toBe(143);
    expect(await lockFiles(dir)).toEqual([]);
  });
});

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Takes the lock of the file named on the command line and holds it until stopped. */
const HOLD_LOCK = `
const { acquireLock } = await import(${JSON.stringify(new URL('../../src/cli/lock.ts', import.meta.url).href)});
await acquireLock(process.argv.at(-1));
setInterval(() => {}, 1000);
`;

describe('taking over a dead lock', () => {
  test('five takers of the same dead lock at once: never two holders', async () => {
    const { dir, db } = await setup();
    await writeLock(db, deadPid());
    let holders = 0;
    let most = 0;
    const take = async () => {
      const lock = await acquireLock(db, { timeoutMs: 20_000 });
      most = Math.max(most, ++holders);
      await wait(50);
      holders -= 1;
      await lock.release();
    };
    await Promise.all([take(), take(), take(), take(), take()]);

    expect(most).toBe(1);
    expect(await lockFiles(dir)).toEqual([]);
  });

  test('a guard left by a taker that died is broken too', async () => {
    const { dir, db } = await setup();
    await writeLock(db, deadPid(), 'dead1');
    await writeLockFile(`${lockPathFor(db)}.break-dead1`, deadPid(), 'dead2');

    const lock = await acquireLock(db, { timeoutMs: 0 });
    expect(await lockFiles(dir)).toEqual(['app.sqlite.molt.lock']);
    await lock.release();
    expect(await lockFiles(dir)).toEqual([]);
  });
});

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
