import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  BASE_SCHEMA,
  BASE_SQL,
  expectOneLineError,
  molt,
  moltInProcess,
  REBUILD_SCHEMA,
  testFolders,
  writeDatabase,
  writeMigrations,
} from './helpers.ts';

const folders = testFolders();

async function setup(sql = BASE_SQL) {
  const dir = await folders.next();
  const db = join(dir, 'app.sqlite');
  await writeDatabase(db, sql);
  await writeFile(join(dir, 'schema.sql'), BASE_SCHEMA);
  await writeFile(join(dir, 'rebuild.sql'), REBUILD_SCHEMA);
  await writeMigrations(join(dir, 'migrations'), { '0001_a.sql': 'CREATE TABLE a (x);' });
  return { dir, db };
}

type Check = { name: string; status: string; penalty: number };
const statuses = (report: { checks: Check[] }) =>
  Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

describe.concurrent('molt check', () => {
  test('a healthy database, migrated and with snapshots: 100, exit 0', async () => {
    const { dir } = await setup();
    const schema = `${BASE_SCHEMA}\nCREATE TABLE a (x);\n`;
    await writeFile(join(dir, 'schema.sql'), schema);
    expect((await moltInProcess(['migrate', 'app.sqlite', join(dir, 'migrations')], dir)).code).toBe(0);

    const result = await molt(
      ['check', 'app.sqlite', '--schema', 'schema.sql', '--migrations', 'migrations'],
      dir,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Health of app.sqlite: 100/100, healthy.');
    expect(lines.slice(1, 7)).toEqual([
      '  pass  integrity    quick_check: ok',
      '  pass  foreignKeys  no foreign key violations',
      '  pass  ledger       1 of 1 migration(s) applied',
      '  pass  pending      no pending migrations',
      '  pass  drift        the database matches the declared schema',
      expect.stringMatching(/^ {2}pass {2}snapshot {5}newest snapshot \d{6}-\w+ verifies/),
    ]);
  });

  test('a foreign-key violation: not healthy, exit 2', async () => {
    const { dir } = await setup(`${BASE_SQL}\nINSERT INTO posts (user_id, title) VALUES (99, 'orphan');`);
    const result = await moltInProcess(['check', 'app.sqlite', '--json'], dir);
    expect(result).toMatchObject({ code: 2, stderr: '' });
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ score: 80, healthy: false });
    expect(statuses(report)).toMatchObject({ integrity: 'pass', foreignKeys: 'fail' });
  });

  test('a corrupted page: not healthy, exit 2 (a report, not an error)', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => `(${i}, '${'row '.repeat(20)}${i}')`).join(',');
    const { dir, db } = await setup(
      `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES ${rows};`,
    );
    const bytes = await readFile(db);
    bytes.fill(0xab, 4096, 4096 + 200);
    await writeFile(db, bytes);

    const result = await molt(['check', 'app.sqlite', '--json'], dir);
    expect(result).toMatchObject({ code: 2, stderr: '' });
    const report = JSON.parse(result.stdout);
    expect(report.healthy).toBe(false);
    expect(report.score).toBeLessThanOrEqual(40);
    expect(statuses(report)).toMatchObject({ integrity: 'fail' });
  });

  test('drift from the declared schema: not healthy', async () => {
    const { dir } = await setup();
    const result = await moltInProcess(['check', 'app.sqlite', '--schema', 'rebuild.sql'], dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^Health of app\.sqlite: 85\/100, not healthy\.$/m);
    expect(result.stdout).toMatch(
      /^ {2}fail {2}drift {8}2 object\(s\) differ from the declared schema {2}\(-15\)$/m,
    );
  });

  test('pending migrations: a warning, still healthy', async () => {
    const { dir } = await setup();
    const result = await moltInProcess(
      ['check', 'app.sqlite', '--migrations', join(dir, 'migrations'), '--json'],
      dir,
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ score: 95, healthy: true });
    expect(statuses(report)).toMatchObject({ ledger: 'pass', pending: 'warn' });
    // No snapshot store: no snapshot check either.
    expect(statuses(report)).not.toHaveProperty('snapshot');
  });

  test('--integrity runs the full integrity_check', async () => {
    const { dir } = await setup();
    const result = await moltInProcess(['check', 'app.sqlite', '--integrity'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  pass  integrity    integrity_check: ok');
  });

  test('a snapshot that fails verification: not healthy', async () => {
    const { dir, db } = await setup();
    expect((await moltInProcess(['apply', 'app.sqlite', 'rebuild.sql'], dir)).code).toBe(0);
    const chunks = join(`${db}.molt`, 'chunks');
    for (const name of await readdir(chunks)) {
      const bytes = await readFile(join(chunks, name));
      bytes[7] = bytes[7]! ^ 1;
      await writeFile(join(chunks, name), bytes);
    }
    const result = await moltInProcess(['check', 'app.sqlite', '--json'], dir);
    expect(result.code).toBe(2);
    expect(statuses(JSON.parse(result.stdout))).toMatchObject({ integrity: 'pass', snapshot: 'fail' });
  });

  test.each([
    ['a schema that does not parse', ['check', 'app.sqlite', '--schema', 'typo.sql'], 'schema-invalid'],
    ['a file that is not SQLite', ['check', 'schema.sql'], 'not-a-database'],
    ['a missing database', ['check', 'missing.sqlite'], 'file-not-found'],
  ])('%s: one line, exit 1', async (_what, args, code) => {
    const { dir } = await setup();
    await writeFile(join(dir, 'typo.sql'), 'CREATE TABLEX a (x);');
    expectOneLineError(await moltInProcess(args, dir), code);
  });
});
