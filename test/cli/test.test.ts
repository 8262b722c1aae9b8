import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { molt, moltInProcess, testFolders, writeMigrations } from './helpers.ts';

const folders = testFolders();

const V1 = `CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);`;
const V2 = `CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT, pinned INTEGER NOT NULL DEFAULT 0);`;
const CURRENT = `CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  headline TEXT NOT NULL, -- @renamed from=title
  body TEXT,
  pinned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notes_pinned ON notes (pinned);`;

/** A folder with a history (v1.sql, v2.sql, …) and the current schema.sql. */
async function project(releases: Record<string, string>, current = CURRENT): Promise<string> {
  const dir = await folders.next();
  await mkdir(join(dir, 'history'));
  for (const [name, sql] of Object.entries(releases))
    await writeFile(join(dir, 'history', `${name}.sql`), sql);
  await writeFile(join(dir, 'schema.sql'), current);
  return dir;
}

describe.concurrent('molt test', () => {
  test('prints the matrix and exits 0 when every release converges', async () => {
    const dir = await project({ v1: V1, v2: V2 });
    const result = await moltInProcess(
      ['test', join(dir, 'history'), '--schema', 'schema.sql', '--rows', '20'],
      dir,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Tested 2 releases against schema\.sql: 20 rows per table, seed 1/);
    expect(result.stdout).toMatch(/v1 +converged +20 +3 schema steps/);
    expect(result.stdout).toMatch(/v2 +converged +20 /);
    expect(result.stdout).toContain('All 2 releases converged with every kept row and value.');
  });

  test('exits 2 on a failure and prints its problems and smallest reproduction', async () => {
    const dir = await project({ v1: V1 }, CURRENT.replace(' -- @renamed from=title', ''));
    const result = await moltInProcess(
      ['test', join(dir, 'history'), '--schema', 'schema.sql', '--rows', '20'],
      dir,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/v1 +blocked +20 +possible-rename notes\.title/);
    expect(result.stdout).toContain('hint: headline TEXT -- @renamed from=title');
    expect(result.stdout).toContain('smallest reproduction of "blocked: possible-rename notes.title": 1 row');
    expect(result.stdout).toMatch(/-- its rows\n +INSERT INTO "notes" \("id", "title", "body"\) VALUES \(/);
    expect(result.stdout).toContain('0 of 1 release converged; 1 failed: v1.');
  });

  test('--json prints the report alone; --seed changes the rows, the same seed keeps them', async () => {
    // Duplicate titles depend on the generated values: a new unique index shows which rows hold them.
    const dir = await project({ v1: V1 }, `${V1}\nCREATE UNIQUE INDEX notes_title ON notes (title);`);
    const run = async (seed: string) => {
      const result = await moltInProcess(
        ['test', join(dir, 'history'), '--schema', 'schema.sql', '--json', '--seed', seed, '--no-shrink'],
        dir,
      );
      expect(result.code).toBe(2);
      return JSON.parse(result.stdout);
    };
    const report = await run('5');
    expect(report).toMatchObject({ ok: false, rows: 100, seed: '5' });
    expect(report.releases[0]).toMatchObject({ name: 'v1', outcome: 'blocked', repro: null });
    expect(report.releases[0].problems[0].blocker).toMatchObject({
      kind: 'unique-violation',
      object: 'notes',
    });
    const rows = (r: typeof report) => r.releases[0].problems[0].blocker.rows;
    expect(rows(await run('5'))).toEqual(rows(report));
    expect(rows(await run('6'))).not.toEqual(rows(report));
  });

  test('--allow-data-loss names the releases whose losses are expected', async () => {
    const dir = await project({
      v1: `${V1}\nCREATE TABLE drafts (id INTEGER PRIMARY KEY, text TEXT);`,
      v2: V2,
    });
    const args = ['test', join(dir, 'history'), '--schema', 'schema.sql', '--rows', '10'];
    expect((await moltInProcess(args, dir)).code).toBe(2);
    const allowed = await moltInProcess([...args, '--allow-data-loss', 'v1'], dir);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/v1 +converged .*allowed: table drafts dropped with 10 rows/);
    const unknown = await moltInProcess([...args, '--allow-data-loss', 'v9'], dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^molt: error: invalid-argument: --allow-data-loss v9: no release has that name/,
    );
  });

  test('release folders with versioned migrations, and --migrations alone (every prefix a release)', async () => {
    const dir = await folders.next();
    const migrations = {
      '0001_init.sql': V1,
      '0002_pinned.sql': 'ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;',
      '0003_rename.sql': 'ALTER TABLE notes RENAME COLUMN title TO headline;',
    };
    await writeMigrations(join(dir, 'migrations'), migrations);
    await writeMigrations(join(dir, 'history', 'r1', 'migrations'), {
      '0001_init.sql': migrations['0001_init.sql'],
    });
    const folder = await moltInProcess(
      ['test', join(dir, 'history'), '--migrations', join(dir, 'migrations'), '--rows', '10'],
      dir,
    );
    expect(folder.stderr).toBe('');
    expect(folder.stdout).toMatch(/r1 +converged +10 +2 migrations/);
    expect(folder.code).toBe(0);
    const prefixes = await moltInProcess(
      ['test', '--migrations', join(dir, 'migrations'), '--rows', '10'],
      dir,
    );
    expect(prefixes.stdout).toMatch(/0001_init +converged .*\n +0002_pinned +converged /);
    expect(prefixes.code).toBe(0);
  });

  test('--git reads the versions of a schema file: its last commits, or its tags', async () => {
    const dir = await folders.next();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
    git('init', '-q');
    for (const [tag, sql] of [
      ['v1', V1],
      ['v2', V2],
    ] as const) {
      await writeFile(join(dir, 'schema.sql'), sql);
      git('add', 'schema.sql');
      git('commit', '-qm', tag);
      git('tag', tag);
    }
    await writeFile(join(dir, 'schema.sql'), CURRENT);
    const tags = await moltInProcess(
      ['test', '--git', join(dir, 'schema.sql'), '--tags', '--rows', '10'],
      dir,
    );
    expect(tags.stderr).toBe('');
    expect(tags.stdout).toMatch(/Tested 2 releases against schema\.sql/);
    expect(tags.stdout).toMatch(/v1 +converged[^\n]*\n +v2 +converged/);
    expect(tags.code).toBe(0);
    const last = await moltInProcess(
      ['test', '--git', join(dir, 'schema.sql'), '--last', '1', '--rows', '10'],
      dir,
    );
    expect(last.stdout).toMatch(/Tested 1 release /);
    expect(last.code).toBe(0);
  });

  test('bad input is one line on stderr and exit 1', async () => {
    const dir = await project({ v1: 'CREATE TABLE broken (' });
    const broken = await moltInProcess(['test', join(dir, 'history'), '--schema', 'schema.sql'], dir);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/v1 +error /);
    const missing = await moltInProcess(['test', join(dir, 'nowhere'), '--schema', 'schema.sql'], dir);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      expect.stringMatching(/^molt: error: file-not-found: history folder/),
    ]);
    const noCurrent = await moltInProcess(['test', join(dir, 'history')], dir);
    expect(noCurrent.stderr).toMatch(/^molt: error: invalid-argument: give the current app/);
    const rows = await moltInProcess(
      ['test', join(dir, 'history'), '--schema', 'schema.sql', '--rows', 'many'],
      dir,
    );
    expect(rows.stderr).toMatch(/--rows must be a whole number/);
  });

  test('runs as a real process, with --help', async () => {
    const dir = await project({ v1: V1 });
    const help = await molt(['test', '--help'], dir);
    expect(help.stdout).toMatch(/^Usage: molt test \[<history>\] --schema <schema\.sql>/);
    const result = await molt(['test', 'history', '--schema', 'schema.sql', '--rows', '5'], dir);
    expect([result.code, result.stderr]).toEqual([0, '']);
  });
});
