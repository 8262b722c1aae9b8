import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  BASE_SCHEMA,
  BASE_SQL,
  expectOneLineError,
  molt,
  moltInProcess,
  queryFile,
  sha256File,
  testFolders,
  writeDatabase,
  writeMigrations,
} from './helpers.ts';

const folders = testFolders();

/** Migrations for BASE_SQL's database: a column, a table filled from rows, a data fix. */
const MIGRATIONS = {
  '0001_status.sql': "ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';\n",
  '0002_tags.sql': `CREATE TABLE tags (id INTEGER PRIMARY KEY,
  post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE, name TEXT NOT NULL);
INSERT INTO tags (post_id, name) SELECT id, 'imported' FROM posts;
`,
  '0003_inactive.sql': "UPDATE users SET status = 'inactive' WHERE email IS NULL;\n",
};

/** The schema after MIGRATIONS, plus an index only the declarative step creates. */
const SCHEMA = `${BASE_SCHEMA.replace('legacy TEXT)', "legacy TEXT, status TEXT NOT NULL DEFAULT 'active')")}
CREATE TABLE tags (id INTEGER PRIMARY KEY,
  post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE, name TEXT NOT NULL);
CREATE INDEX tags_post ON tags(post_id);
`;

/** A folder of its own per test (they run concurrently): the base database, migrations, schema. */
async function setup(migrations: Record<string, string> = MIGRATIONS) {
  const dir = await folders.next();
  const db = join(dir, 'app.sqlite');
  await writeDatabase(db, BASE_SQL);
  await writeMigrations(join(dir, 'migrations'), migrations);
  await writeFile(join(dir, 'schema.sql'), SCHEMA);
  return { dir, db };
}

/** What a write would change: the file's bytes and time, and every file of its store. */
async function fingerprint(db: string) {
  const info = await stat(db);
  const store = await readdir(`${db}.molt`, { recursive: true }).catch(() => null);
  return { sha: await sha256File(db), mtimeMs: info.mtimeMs, store: store?.sort() ?? null };
}

const USERS = 'SELECT id, quote(name) AS name, quote(email) AS email, quote(legacy) AS legacy FROM users';

describe.concurrent('molt migrate', () => {
  test('runs the migrations and the schema on a database with rows, then finds it up to date', async () => {
    const { dir, db } = await setup();
    const users = await queryFile(db, `${USERS} ORDER BY id`);

    const result = await molt(
      ['migrate', 'app.sqlite', 'migrations', '--schema', 'schema.sql', '--json'],
      dir,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'applied', userVersion: { before: 0, after: 3 } });
    expect(report.migrations).toMatchObject([
      { id: '0001_status', status: 'applied', rowsChanged: 0 },
      { id: '0002_tags', status: 'applied', rowsChanged: 5 },
      { id: '0003_inactive', status: 'applied', rowsChanged: 1 },
    ]);
    expect(report.schemaSteps.map((s: { kind: string; object: string }) => `${s.kind} ${s.object}`)).toEqual([
      'create-index tags_post',
    ]);

    // Every value kept; the data migration and the new table hold what they should.
    expect(await queryFile(db, `${USERS} ORDER BY id`)).toEqual(users);
    expect(await queryFile(db, 'SELECT id, status FROM users ORDER BY id')).toEqual([
      { id: 1, status: 'active' },
      { id: 2, status: 'active' },
      { id: 3, status: 'inactive' },
      { id: 5, status: 'active' },
    ]);
    expect(await queryFile(db, 'SELECT count(*) AS n FROM tags')).toEqual([{ n: 5 }]);
    // One ledger row per migration, each naming the pre-migrate snapshot.
    const ledger = await queryFile(db, 'SELECT id, kind, snapshot_id FROM _molt_migrations ORDER BY id');
    expect(ledger).toEqual(
      Object.keys(MIGRATIONS).map((file) => ({
        id: file.replace('.sql', ''),
        kind: 'sql',
        snapshot_id: report.snapshots.preMigrate,
      })),
    );
    expect(await queryFile(db, 'PRAGMA user_version')).toEqual([{ user_version: 3 }]);
    expect(report.snapshots.head).toMatch(/^\d{6}-/);

    const before = await fingerprint(db);
    const again = await moltInProcess(
      ['migrate', 'app.sqlite', join(dir, 'migrations'), '--schema', 'schema.sql'],
      dir,
    );
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(
      'app.sqlite is up to date: 3 migrations applied, user_version 3, schema as declared; nothing was written.\n',
    );
    expect(await fingerprint(db)).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual([
      'app.sqlite',
      'app.sqlite.molt',
      'migrations',
      'schema.sql',
    ]);
  });

  test('an empty file becomes the full schema, with its rows', async () => {
    const dir = await folders.next();
    await writeMigrations(join(dir, 'migrations'), {
      '0001_schema.sql': BASE_SCHEMA,
      '0002_seed.sql':
        "INSERT INTO users (name) VALUES ('Ada'), ('Bo');\nINSERT INTO posts (user_id) VALUES (1);\n",
    });
    await writeFile(join(dir, 'empty.sqlite'), '');

    const result = await molt(['migrate', 'empty.sqlite', 'migrations'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Migrated empty\.sqlite in .+ ms: 2 migrations applied \(user_version 0 -> 2\)(; written in .+ ms)?\.$/,
    );
    expect(lines[1]).toMatch(/^ {2}0001_schema {2}applied +[\d.,]+ ms {2}0 rows changed$/);
    expect(lines[2]).toMatch(/^ {2}0002_seed {4}applied +[\d.,]+ ms {2}3 rows changed$/);
    expect(lines[3]).toMatch(/^Snapshots: no pre-migrate snapshot \(the file was empty\), head \d{6}-\w+\.$/);
    expect(await queryFile(join(dir, 'empty.sqlite'), 'SELECT id, name FROM users')).toEqual([
      { id: 1, name: 'Ada' },
      { id: 2, name: 'Bo' },
    ]);
  });

  test('a dry run reports what would run and writes nothing at all', async () => {
    const { dir, db } = await setup();
    const before = await fingerprint(db);

    const result = await molt(
      ['migrate', 'app.sqlite', 'migrations', '--schema', 'schema.sql', '--dry-run'],
      dir,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Dry run on app\.sqlite: 3 migrations would run \(0 already applied\)/);
    expect(result.stdout).toMatch(/0002_tags +would-run .* 5 rows changed/);
    expect(result.stdout).toContain('create-index tags_post');
    expect(await fingerprint(db)).toEqual({ ...before, store: null });
    // No snapshot store, no lock file, no temporary file.
    expect((await readdir(dir)).sort()).toEqual(['app.sqlite', 'migrations', 'schema.sql']);
  });

  test('a failing third migration of five leaves the file byte-identical', async () => {
    const { dir, db } = await setup({
      '0001_a.sql': 'CREATE TABLE a (x);',
      '0002_b.sql': "INSERT INTO users (name) VALUES ('new');",
      '0003_bad.sql': 'UPDATE users SET name = upper(name);\nCREATE TABLEX c (x);\n',
      '0004_d.sql': 'CREATE TABLE d (x);',
      '0005_e.sql': 'CREATE TABLE e (x);',
    });
    const before = await sha256File(db);

    const result = await molt(['migrate', 'app.sqlite', 'migrations', '--no-backup'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'molt: error: migration-failed: 0003_bad.sql: near "TABLEX": syntax error in: CREATE TABLEX c (x)\n',
    );
    expect(result.stdout).toMatch(
      /0001_a +rolled-back[^\n]*\n {2}0002_b +rolled-back[^\n]*\n {2}0003_bad +failed\n/,
    );
    expect(result.stdout).toMatch(
      /0004_d +not-run\n {2}0005_e +not-run\nFailed: nothing of the batch was kept\.\n$/,
    );
    expect(await sha256File(db)).toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['app.sqlite', 'migrations', 'schema.sql']);
  });

  test('the ledger names the pre-migrate snapshot; it and the head restore byte for byte', async () => {
    const { dir, db } = await setup({ '0001_a.sql': 'CREATE TABLE a (x);' });
    const args = ['migrate', 'app.sqlite', join(dir, 'migrations'), '--json'];
    // Without a store (so the next run saves the file's own bytes, not a copy of the head).
    expect((await moltInProcess([...args, '--no-backup'], dir)).code).toBe(0);
    // An in-place update: the file keeps its size.
    await writeFile(join(dir, 'migrations', '0002_upper.sql'), 'UPDATE users SET name = upper(name);');
    const original = await sha256File(db);
    const result = await moltInProcess(args, dir);
    expect(result.code).toBe(0);
    const { preMigrate } = JSON.parse(result.stdout).snapshots;
    expect(await queryFile(db, "SELECT snapshot_id FROM _molt_migrations WHERE id = '0002_upper'")).toEqual([
      { snapshot_id: preMigrate },
    ]);

    expect((await moltInProcess(['verify', 'app.sqlite'], dir)).code).toBe(0);
    expect((await moltInProcess(['restore', 'app.sqlite', preMigrate], dir)).code).toBe(0);
    expect(await sha256File(db)).toBe(original);
  });

  test('a migration edited after it ran is refused, unless drift is allowed', async () => {
    const { dir, db } = await setup({ '0001_a.sql': 'CREATE TABLE a (x);' });
    const args = ['migrate', 'app.sqlite', join(dir, 'migrations'), '--no-backup'];
    expect((await moltInProcess(args, dir)).code).toBe(0);
    await writeFile(join(dir, 'migrations', '0001_a.sql'), 'CREATE TABLE a (x, y);');
    await writeFile(join(dir, 'migrations', '0002_b.sql'), 'CREATE TABLE b (x);');
    const before = await sha256File(db);

    expectOneLineError(await moltInProcess(args, dir), 'checksum-mismatch');
    expect(await sha256File(db)).toBe(before);
    const drift = await moltInProcess([...args, '--allow-checksum-drift'], dir);
    expect(drift.code).toBe(0);
    expect(await queryFile(db, 'SELECT id FROM _molt_migrations')).toEqual([
      { id: '0001_a' },
      { id: '0002_b' },
    ]);
  });

  test('blocked by the schema: exit 2, and nothing is written, not even a snapshot', async () => {
    const { dir, db } = await setup({});
    await writeFile(join(dir, 'drop.sql'), BASE_SCHEMA.replace(', legacy TEXT', ''));
    const before = await sha256File(db);

    const result = await moltInProcess(
      ['migrate', 'app.sqlite', join(dir, 'migrations'), '--schema', 'drop.sql'],
      dir,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/x data-loss users\.legacy[\s\S]*Blocked: nothing was changed\.\n$/);
    expect(await sha256File(db)).toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['app.sqlite', 'drop.sql', 'migrations', 'schema.sql']);
  });
});

describe.concurrent('molt migrate with bad input: one line, exit 1', () => {
  const CASES: [string, (dir: string) => string[], string, RegExp][] = [
    ['a folder that does not exist', (d) => ['app.sqlite', `${d}/nope`], 'file-not-found', /nope/],
    ['a file instead of a folder', (d) => ['app.sqlite', `${d}/schema.sql`], 'invalid-argument', /folder/],
    [
      'a database in a missing folder',
      (d) => ['gone/app.sqlite', `${d}/migrations`],
      'file-not-found',
      /gone/,
    ],
    ['a missing database', (d) => ['missing.sqlite', `${d}/migrations`], 'file-not-found', /missing/],
    ['a file that is not SQLite', (d) => ['schema.sql', `${d}/migrations`], 'not-a-database', /schema\.sql/],
    [
      'a bad --lock-timeout',
      (d) => ['app.sqlite', `${d}/migrations`, '--lock-timeout', 'soon'],
      'invalid-argument',
      /lock-timeout/,
    ],
  ];

  test.each(CASES)('%s', async (_what, args, code, says) => {
    const { dir } = await setup();
    const result = await moltInProcess(['migrate', ...args(dir)], dir);
    expectOneLineError(result, code);
    expect(result.stderr).toMatch(says);
  });
});
