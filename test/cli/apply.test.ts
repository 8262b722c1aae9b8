import { chmod, lstat, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { planMigration } from '../../src/engine/index.ts';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/index.ts';
import {
  BASE_SCHEMA,
  BASE_SQL,
  DROP_COLUMN_SCHEMA,
  ENGINE,
  expectOneLineError,
  molt,
  moltInProcess,
  queryFile,
  REBUILD_SCHEMA,
  sha256File,
  strayFiles,
  testFolders,
  writeDatabase,
} from './helpers.ts';

const folders = testFolders();

/** A folder of its own per test (they run concurrently) with the base database and a schema. */
async function setup(schema: string): Promise<{ dir: string; db: string }> {
  const dir = await folders.next();
  await writeDatabase(join(dir, 'app.sqlite'), BASE_SQL);
  await writeFile(join(dir, 'schema.sql'), schema);
  return { dir, db: join(dir, 'app.sqlite') };
}

/** Plans in this process, to check that the file on disk now has the target schema. */
async function planFile(path: string, schema: string) {
  const conn = openSqlJs(await loadSqlJs(), await readFile(path));
  try {
    return planMigration(conn, schema);
  } finally {
    conn.close();
  }
}

const USERS =
  'SELECT id, quote(name) AS name, quote(email) AS email, quote(legacy) AS legacy FROM users ORDER BY id';
const POSTS = 'SELECT id, user_id, quote(title) AS title FROM posts ORDER BY id';

describe.concurrent('molt apply', () => {
  test('migrates the file and keeps every row and value', async () => {
    const { dir, db } = await setup(REBUILD_SCHEMA);
    const users = await queryFile(db, USERS);
    const posts = await queryFile(db, POSTS);

    const result = await molt(['apply', 'app.sqlite', 'schema.sql'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Applied \d+ steps to app\.sqlite in .* \(4 rows copied\)/);
    expect(result.stdout).toContain('fill-default users.name');

    // NULL names get the declared DEFAULT; every other value is kept exactly.
    const filled = users.map((u) => ({ ...u, name: u.name === 'NULL' ? "''" : u.name }));
    expect(await queryFile(db, USERS)).toEqual(filled);
    expect(await queryFile(db, POSTS)).toEqual(posts);
    expect(await queryFile(db, "SELECT seq FROM sqlite_sequence WHERE name = 'users'")).toEqual([{ seq: 5 }]);
    expect(await queryFile(db, 'PRAGMA foreign_key_check')).toEqual([]);
    expect(await planFile(db, REBUILD_SCHEMA)).toMatchObject({ steps: [], blockers: [] });
    // app.sqlite.molt/ holds the snapshots (before and after); no temporary file is left.
    expect(await strayFiles(dir, ['app.sqlite', 'schema.sql', 'app.sqlite.molt'])).toEqual([]);
  });

  test('--rename carries rows over to the new table and column names', async () => {
    const schema = BASE_SCHEMA.replace('TABLE users', 'TABLE people')
      .replace('REFERENCES users', 'REFERENCES people')
      .replace('name TEXT', 'full_name TEXT');
    const { dir, db } = await setup(schema);
    const users = await queryFile(db, 'SELECT id, quote(name) AS v FROM users ORDER BY id');
    const result = await molt(
      ['apply', 'app.sqlite', 'schema.sql', '--rename', 'users=people', '--rename', 'users.name=full_name'],
      dir,
    );
    expect(result.code).toBe(0);
    expect(await queryFile(db, 'SELECT id, quote(full_name) AS v FROM people ORDER BY id')).toEqual(users);
    expect(await queryFile(db, 'SELECT count(*) AS n FROM posts JOIN people ON people.id = user_id')).toEqual(
      [{ n: 5 }],
    );
  });

  test('a blocked plan exits 2, prints the blockers and leaves the file byte-identical', async () => {
    const { dir, db } = await setup(DROP_COLUMN_SCHEMA);
    const before = await sha256File(db);
    const result = await molt(['apply', 'app.sqlite', 'schema.sql'], dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('x data-loss users.legacy');
    expect(result.stdout).toContain('Blocked: nothing was changed.');
    expect(await sha256File(db)).toBe(before);
  });

  test('--allow-data-loss drops the column and keeps the other values', async () => {
    const { dir, db } = await setup(DROP_COLUMN_SCHEMA);
    const users = await queryFile(
      db,
      'SELECT id, quote(name) AS name, quote(email) AS email FROM users ORDER BY id',
    );
    const result = await molt(['apply', 'app.sqlite', 'schema.sql', '--allow-data-loss', '--json'], dir);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.status).toBe('applied');
    expect(output.report.steps).toMatchObject([{ kind: 'drop-column', object: 'legacy' }]);
    expect(
      await queryFile(db, 'SELECT id, quote(name) AS name, quote(email) AS email FROM users ORDER BY id'),
    ).toEqual(users);
    expect((await queryFile(db, 'PRAGMA table_info(users)')).map((c) => c.name)).toEqual([
      'id',
      'name',
      'email',
    ]);
  });

  test('a failure while applying exits 1 and leaves the file byte-identical, with no temporary file', async () => {
    // The CHECK raises an error (malformed JSON) instead of returning false: the plan cannot count
    // violations of it, so only copying the real rows finds the failure.
    const schema = BASE_SCHEMA.replace('name TEXT', "name TEXT CHECK (json_extract(name, '$.a') IS NULL)");
    const { dir, db } = await setup(schema);
    const before = await sha256File(db);
    const result = await molt(['apply', 'app.sqlite', 'schema.sql'], dir);
    expectOneLineError(result, 'sqlite-error');
    expect(result.stderr).toContain('rebuild-table users');
    expect(await sha256File(db)).toBe(before);
    // In place, the pre-migrate snapshot is taken before the transaction runs, and stays.
    const kept = ENGINE === 'native' ? ['app.sqlite.molt'] : [];
    expect(await strayFiles(dir, ['app.sqlite', 'schema.sql', ...kept])).toEqual([]);
  });

  test('an up-to-date database is not written at all', async () => {
    const { dir, db } = await setup(BASE_SCHEMA);
    const before = await stat(db);
    const hash = await sha256File(db);
    const result = await moltInProcess(['apply', 'app.sqlite', 'schema.sql'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nothing was written');
    expect(await sha256File(db)).toBe(hash);
    expect((await stat(db)).mtimeMs).toBe(before.mtimeMs);
  });

  // Native SQLite reads the WAL itself (test/cli/native.test.ts).
  test.runIf(ENGINE === 'wasm')('a database with pending changes in its -wal file is refused', async () => {
    const { dir, db } = await setup(REBUILD_SCHEMA);
    await writeFile(`${db}-wal`, 'frames');
    const before = await sha256File(db);
    const result = await moltInProcess(['apply', 'app.sqlite', 'schema.sql'], dir);
    expectOneLineError(result, 'locked');
    expect(await sha256File(db)).toBe(before);
  });

  test('through a symbolic link, the target is replaced and keeps its mode and WAL mode', async () => {
    const { dir, db } = await setup(REBUILD_SCHEMA);
    // Bytes 18 and 19 of the header say WAL mode (a WAL database closed cleanly looks like this).
    const bytes = await readFile(db);
    bytes[18] = 2;
    bytes[19] = 2;
    await writeFile(db, bytes);
    await chmod(db, 0o640);
    await symlink('app.sqlite', join(dir, 'link.sqlite'));
    const result = await molt(['apply', 'link.sqlite', 'schema.sql'], dir);
    expect(result.code).toBe(0);
    expect((await lstat(join(dir, 'link.sqlite'))).isSymbolicLink()).toBe(true);
    expect((await stat(db)).mode & 0o777).toBe(0o640);
    const after = await readFile(db);
    expect([after[18], after[19]]).toEqual([2, 2]);
    expect(await queryFile(db, 'SELECT count(*) AS n FROM users')).toEqual([{ n: 4 }]);
  });
});

describe('molt apply on an empty file', () => {
  test('an empty file is an empty database: the schema is created in it', async () => {
    const dir = await folders.next();
    await writeFile(join(dir, 'app.sqlite'), '');
    await writeFile(join(dir, 'schema.sql'), BASE_SCHEMA);
    const result = await moltInProcess(['apply', 'app.sqlite', 'schema.sql'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Applied 3 steps/);
    const tables = await queryFile(
      join(dir, 'app.sqlite'),
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['posts', 'sqlite_sequence', 'users']);
  });
});
