/**
 * The port's contract on the OPFS adapter (the same tests sql.js and better-sqlite3 pass in Node), and
 * what this build does that the others do too: exact integers past 2^53, result codes by name, an empty
 * script run as nothing.
 */
import { describe, expect, test } from 'vitest';
import { SqliteError } from '../../../src/sqlite/port.ts';
import { describePortContract } from '../../support/port-contract.ts';
import { loadSqlJs, openSqlJs } from './sql-js-on-opfs.ts';

const open = async () => openSqlJs(await loadSqlJs());

describePortContract('the official build on OPFS', open);

describe('the official build on OPFS', () => {
  test('integers beyond 2^53 bind and read back as bigints, exactly', async () => {
    const conn = await open();
    conn.exec('CREATE TABLE t (v INTEGER)');
    conn.exec('INSERT INTO t VALUES (?)', [2n ** 60n + 1n]);
    expect(conn.query('SELECT v, typeof(v) AS t FROM t')).toEqual([{ v: 2n ** 60n + 1n, t: 'integer' }]);
  });

  test("a failing statement carries SQLite's message and result code by name", async () => {
    const conn = await open();
    conn.exec('CREATE TABLE t (a UNIQUE); INSERT INTO t VALUES (1)');
    let error: unknown;
    try {
      conn.exec('INSERT INTO t VALUES (1)');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SqliteError);
    expect(error).toMatchObject({
      resultCode: 'SQLITE_CONSTRAINT_UNIQUE',
      message: 'UNIQUE constraint failed: t.a',
    });
  });

  test('an empty script runs as nothing, as in sql.js', async () => {
    const conn = await open();
    conn.exec('');
    conn.exec('  -- nothing\n');
    expect(conn.query('SELECT count(*) AS n FROM sqlite_schema')).toEqual([{ n: 0 }]);
  });
});
