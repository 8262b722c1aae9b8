/**
 * The port's contract (src/sqlite/port.ts), for every adapter: sql.js and better-sqlite3 in Node
 * (test/sqlite/adapters.test.ts), the official build on OPFS in Chromium
 * (test/browser/engine-suites/port.suite.ts).
 */
import { describe, expect, test } from 'vitest';
import { applyPlan, planMigration } from '../../src/engine/index.ts';
import type { SqliteConnection } from '../../src/sqlite/index.ts';
import { SqliteError } from '../../src/sqlite/index.ts';

/**
 * Registers the contract's tests for one adapter.
 * @example
 * describePortContract('sql.js', async () => openSqlJs(await loadSqlJs()));
 */
export function describePortContract(name: string, open: () => Promise<SqliteConnection>): void {
  describe(`the port over ${name}`, () => {
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
}
