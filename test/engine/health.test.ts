/**
 * health(): each check has a status and a reason; the score is 100 minus documented penalties.
 */
import { describe, expect, it } from 'vitest';
import {
  HEALTH_PENALTIES,
  health,
  healthCheck,
  type Migration,
  migrate,
  scoreHealth,
} from '../../src/engine/index.ts';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/sql-js.ts';
import { openDb } from './helpers.ts';

const MIGRATIONS: Migration[] = [
  { id: '0001', up: 'CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);' },
  { id: '0002', up: 'CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id));' },
];
const SCHEMA =
  'CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id));';

async function healthyDb() {
  const conn = await openDb();
  migrate(conn, { migrations: MIGRATIONS, schema: SCHEMA });
  conn.exec("INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1);");
  return conn;
}

const statuses = (r: ReturnType<typeof health>) =>
  Object.fromEntries(r.checks.map((c) => [c.name, c.status]));

describe('health', () => {
  it('scores a fresh, correct database 100', async () => {
    const report = health(await healthyDb(), { schema: SCHEMA, migrations: MIGRATIONS });
    expect(report.score).toBe(100);
    expect(report.healthy).toBe(true);
    expect(statuses(report)).toEqual({
      integrity: 'pass',
      foreignKeys: 'pass',
      ledger: 'pass',
      pending: 'pass',
      drift: 'pass',
    });
  });

  it('scores a foreign-key violation lower and says which rows', async () => {
    const conn = await healthyDb();
    conn.exec('PRAGMA foreign_keys = OFF; INSERT INTO c VALUES (2, 99);');
    const report = health(conn, { schema: SCHEMA, migrations: MIGRATIONS });
    expect(report.score).toBe(100 - HEALTH_PENALTIES.foreignKeys.fail);
    expect(report.healthy).toBe(false);
    expect(report.checks.find((c) => c.name === 'foreignKeys')?.details?.rows).toMatchObject([
      { table: 'c', rowid: 2, parent: 'p' },
    ]);
  });

  it('reports drift from the declared schema and pending migrations', async () => {
    const conn = await healthyDb();
    conn.exec('ALTER TABLE p ADD COLUMN extra TEXT');
    const more = [...MIGRATIONS, { id: '0003', up: 'SELECT 1' }];
    const report = health(conn, { schema: SCHEMA, migrations: more });
    expect(statuses(report)).toMatchObject({ drift: 'fail', pending: 'warn' });
    expect(report.score).toBe(100 - HEALTH_PENALTIES.drift.fail - HEALTH_PENALTIES.pending.warn);
    expect(report.checks.find((c) => c.name === 'drift')?.details?.objects).toEqual(['p']);
  });

  it('fails the ledger check for an edited migration', async () => {
    const conn = await healthyDb();
    const edited = [MIGRATIONS[0]!, { ...MIGRATIONS[1]!, up: `${MIGRATIONS[1]!.up}\n` }];
    const report = health(conn, { migrations: edited });
    expect(report.checks.find((c) => c.name === 'ledger')).toMatchObject({
      status: 'fail',
      details: { code: 'checksum-mismatch' },
    });
  });

  it('finds a corrupted page', async () => {
    const conn = await healthyDb();
    conn.exec(
      `WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO p SELECT i, printf('%0100d', i) FROM n`,
    );
    const bytes = conn.export();
    const pageSize = Number(conn.query('PRAGMA page_size')[0]!.page_size);
    // Scribble over an interior page of table p's b-tree (not page 1, which holds the header).
    const root = Number(conn.query("SELECT rootpage FROM sqlite_schema WHERE name = 'p'")[0]!.rootpage);
    bytes.fill(0x41, (root - 1) * pageSize + 8, root * pageSize - 8);
    const damaged = openSqlJs(await loadSqlJs(), bytes);
    const report = health(damaged);
    expect(report.checks.find((c) => c.name === 'integrity')?.status).toBe('fail');
    expect(report.score).toBeLessThanOrEqual(100 - HEALTH_PENALTIES.integrity.fail);
    expect(report.healthy).toBe(false);
  });

  it('is 100 minus the sum of penalties, never below zero', () => {
    const all = (Object.keys(HEALTH_PENALTIES) as (keyof typeof HEALTH_PENALTIES)[]).map((n) =>
      healthCheck(n, 'fail', 'x'),
    );
    expect(scoreHealth(all).score).toBe(0);
    expect(scoreHealth([healthCheck('drift', 'fail', 'x'), healthCheck('pending', 'warn', 'y')]).score).toBe(
      80,
    );
    expect(scoreHealth([healthCheck('integrity', 'skip', 'x')]).score).toBe(100);
  });
});
