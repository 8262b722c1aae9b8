/**
 * The port's contract, run against both adapters (sql.js in memory, better-sqlite3 on a file), and what
 * only the file adapter does: the engine's transaction is SQLite's own on the file, so another
 * connection's lock makes it wait and then fail, and a failed apply leaves the file byte for byte.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyPlan, planMigration } from '../../src/engine/index.ts';
import type { SqliteConnection } from '../../src/sqlite/index.ts';
import { SqliteError } from '../../src/sqlite/index.ts';
import { loadBetterSqlite3, openBetterSqlite3 } from '../../src/sqlite/node.ts';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/sql-js.ts';
import { hashBytes } from '../support/outcomes.ts';

let dir = '';
let count = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molt-adapters-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const ADAPTERS: Record<string, () => Promise<SqliteConnection>> = {
  'sql.js': async () => openSqlJs(await loadSqlJs()),
  'better-sqlite3': async () => openBetterSqlite3(await loadBetterSqlite3(), await newFile()),
};

async function newFile(): Promise<string> {
  const path = join(dir, `db-${++count}.sqlite`);
  await writeFile(path, '');
  return path;
}

describe.each(Object.keys(ADAPTERS))('the port over %s', (name) => {
  const open = ADAPTERS[name]!;

  test('exec runs several statements; query returns rows keyed by column', async () => {
    const conn = await open();
    conn.exec('CREATE TABLE t (a INTEGER, b TEXT, c BLOB, d REAL)');
    conn.exec("INSERT INTO t VALUES (1, 'x', x'00ff', 0.5); INSERT INTO t VALUES (2, NULL, NULL, NULL)");
    expect(conn.query('SELECT * FROM t ORDER BY a')).toEqual([
      { a: 1, b: 'x', c: new Uint8Array([0, 255]), d: 0.5 },
      { a: 2, b: null, c: null, d: null },
    ]);
    conn.close();
  });

  test('parameters bind whole numbers as INTEGER, and reals, text, blobs and NULL', async () => {
    const conn = await open();
    conn.exec('CREATE TABLE t (v)');
    const values = [7, 0.5, 'é', new Uint8Array([1, 2, 3]), null];
    for (const v of values) conn.exec('INSERT INTO t VALUES (?)', [v]);
    const rows = conn.query('SELECT v, typeof(v) AS t FROM t WHERE v IS NOT ? OR v IS NULL', [-1]);
    expect(rows.map((r) => r.t)).toEqual(['integer', 'real', 'text', 'blob', 'null']);
    expect(rows.map((r) => r.v)).toEqual(values);
    conn.close();
  });

  test('query of a statement without rows runs it and returns none', async () => {
    const conn = await open();
    expect(conn.query('PRAGMA foreign_keys = ON')).toEqual([]);
    expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    conn.close();
  });

  test('foreign keys start off, as in SQLite', async () => {
    const conn = await open();
    expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 0 }]);
    conn.close();
  });

  test('a failing statement throws SqliteError with the SQL', async () => {
    const conn = await open();
    const error = (() => {
      try {
        conn.exec('SELECT * FROM missing');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SqliteError);
    expect((error as SqliteError).sql).toBe('SELECT * FROM missing');
    conn.close();
  });

  test('openScratch is a separate, empty in-memory database', async () => {
    const conn = await open();
    conn.exec('CREATE TABLE t (a)');
    const scratch = conn.openScratch();
    expect(scratch.query('SELECT name FROM sqlite_schema')).toEqual([]);
    scratch.exec('CREATE TABLE u (b)');
    expect(conn.query('SELECT name FROM sqlite_schema')).toEqual([{ name: 't' }]);
    scratch.close();
    conn.close();
  });

  test('a rebuild keeps the children of ON DELETE CASCADE (foreign keys off outside the transaction)', async () => {
    const conn = await open();
    conn.exec(`PRAGMA foreign_keys = ON;
      CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) ON DELETE CASCADE);
      INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (1, 1), (2, 2), (3, 2);`);
    const plan = planMigration(
      conn,
      `CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
       CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) ON DELETE CASCADE);`,
    );
    expect(plan.steps.map((s) => s.kind)).toContain('rebuild-table');
    applyPlan(conn, plan);
    expect(conn.query('SELECT count(*) AS n FROM c')).toEqual([{ n: 3 }]);
    expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    conn.close();
  });
});

describe('better-sqlite3 on a file', () => {
  test('applies in place: the file itself holds the new schema, same inode', async () => {
    const Database = await loadBetterSqlite3();
    const path = await newFile();
    const conn = openBetterSqlite3(Database, path);
    conn.exec('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)');
    applyPlan(conn, planMigration(conn, "CREATE TABLE t (a INTEGER NOT NULL, b TEXT DEFAULT ('x'))"));
    conn.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT a, b FROM t ORDER BY a').all()).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'x' },
    ]);
    check.close();
  });

  test('another connection holding the write lock makes BEGIN IMMEDIATE wait busy_timeout, then fail with SQLITE_BUSY; the file is unchanged', async () => {
    const Database = await loadBetterSqlite3();
    const path = await newFile();
    const setup = new Database(path);
    setup.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1)');
    setup.close();
    const before = hashBytes(await readFile(path));
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    const conn = openBetterSqlite3(Database, path, { busyTimeoutMs: 200 });
    const plan = planMigration(conn, 'CREATE TABLE t (a); CREATE TABLE u (b)');
    const started = performance.now();
    let error: unknown;
    try {
      applyPlan(conn, plan);
    } catch (e) {
      error = e;
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect((error as SqliteError).resultCode).toBe('SQLITE_BUSY');
    holder.exec('ROLLBACK');
    holder.close();
    // Once the other writer is gone, the same plan applies.
    applyPlan(conn, plan);
    conn.close();
    expect(hashBytes(await readFile(path))).not.toBe(before);
  });

  test('a failing apply rolls back on the file: byte for byte as before', async () => {
    const Database = await loadBetterSqlite3();
    const path = await newFile();
    const conn = openBetterSqlite3(Database, path);
    conn.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1), (1)');
    conn.close();
    const before = hashBytes(await readFile(path));
    const again = openBetterSqlite3(Database, path);
    const plan = planMigration(again, 'CREATE TABLE t (a); CREATE TABLE u (b)');
    // A statement that fails after the first step ran.
    plan.steps.push({
      ...plan.steps[0]!,
      object: 'broken',
      statements: [{ sql: 'CREATE UNIQUE INDEX x ON t (a)' }],
    });
    expect(() => applyPlan(again, plan)).toThrow();
    again.close();
    expect(hashBytes(await readFile(path))).toBe(before);
  });

  test('integers beyond 2^53 bind and read back as bigints, exactly', async () => {
    const conn = openBetterSqlite3(await loadBetterSqlite3(), await newFile());
    conn.exec('CREATE TABLE t (v INTEGER)');
    conn.exec('INSERT INTO t VALUES (?)', [2n ** 60n + 1n]);
    expect(conn.query('SELECT v, typeof(v) AS t FROM t')).toEqual([{ v: 2n ** 60n + 1n, t: 'integer' }]);
    conn.close();
  });

  test('a read-only connection refuses writes with SQLITE_READONLY', async () => {
    const Database = await loadBetterSqlite3();
    const path = await newFile();
    openBetterSqlite3(Database, path).close();
    const conn = openBetterSqlite3(Database, path, { readonly: true });
    expect(() => conn.exec('CREATE TABLE t (a)')).toThrow(
      expect.objectContaining({ resultCode: 'SQLITE_READONLY' }),
    );
    conn.close();
  });

  test('a missing file is not created', async () => {
    const Database = await loadBetterSqlite3();
    expect(() => openBetterSqlite3(Database, join(dir, 'missing.sqlite'))).toThrow(SqliteError);
    await expect(readFile(join(dir, 'missing.sqlite'))).rejects.toThrow();
  });
});
