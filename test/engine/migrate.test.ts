/**
 * Versioned migrations with the ledger: the scenarios a migration system is judged on, each with rows.
 */
import { describe, expect, it } from 'vitest';
import { checkMigration, type Migration, migrate, readLedger } from '../../src/engine/index.ts';
import { count, hashBytes, openDb } from './helpers.ts';

const M: Migration[] = [
  { id: '0001_users', up: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);' },
  {
    id: '0002_posts',
    up: 'CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);',
  },
  { id: '0003_seed', up: "INSERT INTO users (name) VALUES ('ann'), ('bob');" },
  {
    id: '0004_split',
    up: (tx) => {
      tx.exec('ALTER TABLE users ADD COLUMN first TEXT');
      for (const row of tx.query('SELECT id, name FROM users'))
        tx.exec('UPDATE users SET first = ? WHERE id = ?', [String(row.name).split(' ')[0]!, Number(row.id)]);
    },
  },
  { id: '0005_index', up: 'CREATE INDEX users_first ON users (first);' },
];
const SCHEMA = `
  CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, first TEXT, email TEXT);
  CREATE INDEX users_first ON users (first);
  CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);`;

describe('migrate', () => {
  it('takes an empty database to the full schema: migrations, then the declared schema', async () => {
    const conn = await openDb();
    const report = migrate(conn, {
      migrations: M,
      schema: SCHEMA,
      snapshotId: 'snap-1',
      now: () => new Date('2026-01-02T03:04:05Z'),
    });
    expect(report.status).toBe('applied');
    expect(report.migrations.map((m) => m.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
    expect(report.migrations[2]?.rowsChanged).toBe(2);
    expect(report.schemaSteps.map((s) => s.kind)).toEqual(['add-column']);
    expect(report.userVersion).toEqual({ before: 0, after: 5 });
    expect(readLedger(conn)).toMatchObject(
      M.map((m) => ({
        id: m.id,
        kind: typeof m.up === 'string' ? 'sql' : 'function',
        snapshotId: 'snap-1',
        appliedAt: '2026-01-02T03:04:05.000Z',
      })),
    );
    expect(conn.query('SELECT first FROM users ORDER BY id').map((r) => r.first)).toEqual(['ann', 'bob']);
  });

  it('brings a database that misses columns to the declared schema, keeping its rows', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M });
    conn.exec("INSERT INTO posts (user_id, title) VALUES (1, 'hello')");
    const report = migrate(conn, { migrations: M, schema: SCHEMA });
    expect(report.status).toBe('applied');
    expect(report.migrations).toEqual([]);
    expect(report.alreadyApplied).toBe(5);
    expect([count(conn, 'users'), count(conn, 'posts')]).toEqual([2, 1]);
  });

  it('does nothing, writes nothing and says so when up to date', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M, schema: SCHEMA });
    const before = hashBytes(conn.export());
    const report = migrate(conn, { migrations: M, schema: SCHEMA });
    expect(report.status).toBe('up-to-date');
    expect(report.plan?.steps).toEqual([]);
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('dry run reports everything and changes nothing: no ledger, no user_version', async () => {
    const conn = await openDb('CREATE TABLE keep (x); INSERT INTO keep VALUES (1);');
    const before = hashBytes(conn.export());
    const report = migrate(conn, { migrations: M, schema: SCHEMA, dryRun: true, allowDataLoss: true });
    expect(report.status).toBe('dry-run');
    expect(report.migrations.map((m) => m.status)).toEqual(Array(5).fill('would-run'));
    expect(report.plan?.steps.map((s) => s.kind)).toEqual(['drop-table', 'add-column']);
    expect(hashBytes(conn.export())).toBe(before);
    expect(conn.query("SELECT name FROM sqlite_schema WHERE name = '_molt_migrations'")).toEqual([]);
    expect(conn.query('PRAGMA user_version')[0]?.user_version).toBe(0);
  });

  it('leaves nothing of the batch when the third of five fails, naming the migration and statement', async () => {
    const conn = await openDb('CREATE TABLE keep (x); INSERT INTO keep VALUES (1);');
    const broken = M.map((m) =>
      m.id === '0003_seed'
        ? { ...m, up: "INSERT INTO users (name) VALUES ('ann');\nINSERT INTO users (name) VALUES (NULL);" }
        : m,
    );
    const before = hashBytes(conn.export());
    const report = migrate(conn, { migrations: broken, schema: SCHEMA });
    expect(report.status).toBe('failed');
    expect(report.migrations.map((m) => m.status)).toEqual([
      'rolled-back',
      'rolled-back',
      'failed',
      'not-run',
      'not-run',
    ]);
    expect(report.error?.code).toBe('migration-failed');
    expect(report.error?.details).toMatchObject({
      id: '0003_seed',
      statement: 'INSERT INTO users (name) VALUES (NULL)',
    });
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('refuses a migration edited after it ran (checksum-mismatch), unless drift is allowed', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M });
    const edited = M.map((m) => (m.id === '0001_users' ? { ...m, up: `${m.up} -- reformatted` } : m));
    const before = hashBytes(conn.export());
    expect(migrate(conn, { migrations: edited }).error?.code).toBe('checksum-mismatch');
    expect(hashBytes(conn.export())).toBe(before);
    expect(migrate(conn, { migrations: edited, allowChecksumDrift: true }).status).toBe('up-to-date');
  });

  it('refuses a function migration whose source changed', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M });
    const edited = M.map((m) =>
      m.id === '0004_split' ? { ...m, up: (tx: { exec(s: string): void }) => tx.exec('SELECT 2') } : m,
    );
    expect(migrate(conn, { migrations: edited }).error?.code).toBe('checksum-mismatch');
  });

  it('refuses a database whose ledger names a migration the app does not have', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M });
    const missing = M.filter((m) => m.id !== '0002_posts');
    expect(migrate(conn, { migrations: missing }).error?.code).toBe('unknown-migration');
    const inserted = [...M, { id: '0002a_late', up: 'SELECT 1' }];
    expect(migrate(conn, { migrations: inserted }).error?.code).toBe('out-of-order');
  });

  it('refuses a database from the future', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M });
    const before = hashBytes(conn.export());
    const report = migrate(conn, { migrations: M.slice(0, 3) });
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('database-from-future');
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('runs a data migration over 100,000 rows in the same transaction', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M.slice(0, 2) });
    conn.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO users (id, name) SELECT i, 'first' || i || ' last' || i FROM n`);
    const split: Migration = {
      id: '0003_split',
      up: "ALTER TABLE users ADD COLUMN last TEXT; UPDATE users SET last = substr(name, instr(name, ' ') + 1);",
    };
    const report = migrate(conn, { migrations: [...M.slice(0, 2), split] });
    expect(report.status).toBe('applied');
    expect(report.migrations[0]?.rowsChanged).toBe(100_000);
    expect(conn.query("SELECT count(*) AS n FROM users WHERE last = 'last' || id")[0]?.n).toBe(100_000);
  });

  it('carries corrupted data through unchanged: a NUL inside an id, invalid JSON', async () => {
    const conn = await openDb('CREATE TABLE docs (id TEXT PRIMARY KEY, body TEXT); CREATE TABLE other (x);');
    conn.exec(
      "INSERT INTO docs VALUES ('a' || char(0) || 'b', '{not json'), ('plain', '[1,2'), (x'00ff', NULL)",
    );
    const snapshot = () =>
      conn.query('SELECT hex(id) AS id, typeof(id) AS t, hex(body) AS body FROM docs ORDER BY hex(id)');
    const before = snapshot();
    const report = migrate(conn, {
      migrations: [{ id: '0001', up: 'CREATE INDEX docs_body ON docs (body);' }],
      schema:
        'CREATE TABLE docs (id TEXT PRIMARY KEY, body TEXT COLLATE NOCASE, seen INTEGER NOT NULL DEFAULT 0); CREATE INDEX docs_body ON docs (body);',
      allowDataLoss: true,
    });
    expect(report.status).toBe('applied');
    expect(report.plan?.steps.map((s) => s.kind)).toContain('rebuild-table');
    expect(snapshot()).toEqual(before);
  });

  it('reuses the plan checkMigration made, and refuses it when the schema changed since', async () => {
    const conn = await openDb();
    migrate(conn, { migrations: M });
    const check = checkMigration(conn, { migrations: M, schema: SCHEMA });
    expect(check.status).toBe('pending');
    const report = migrate(conn, { migrations: M, schema: SCHEMA, plan: check.plan });
    expect(report.status).toBe('applied');
    expect(migrate(conn, { migrations: M, schema: SCHEMA }).status).toBe('up-to-date');

    const other = await openDb();
    migrate(other, { migrations: M });
    const stale = checkMigration(other, { migrations: M, schema: SCHEMA });
    other.exec('CREATE TABLE surprise (x)');
    const before = hashBytes(other.export());
    expect(migrate(other, { migrations: M, schema: SCHEMA, plan: stale.plan }).error?.code).toBe(
      'plan-stale',
    );
    expect(hashBytes(other.export())).toBe(before);
  });
});
