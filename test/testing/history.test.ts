/**
 * `testHistory` on histories that must pass and on planted failures that it must catch, each with the
 * smallest reproduction it reports. Real sql.js throughout.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from '../../src/sqlite/sql-js.ts';
import {
  fillDatabase,
  type HistoryReport,
  type Release,
  type ReleaseReport,
  readValues,
  testHistory,
} from '../../src/testing/index.ts';

let conn: SqlJsConnection;
beforeAll(async () => {
  conn = openSqlJs(await loadSqlJs());
});

const AUTHORS = `CREATE TABLE authors (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  code TEXT,
  email TEXT
);`;
const BOOKS = `CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
  title TEXT,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'done'))
);
CREATE INDEX books_author ON books (author_id);`;
const V1 = `${AUTHORS}\n${BOOKS}`;

function run(
  releases: Release[],
  current: Parameters<typeof testHistory>[1]['current'],
  rows = 40,
): HistoryReport {
  return testHistory(conn, { releases, current, rows, seed: 7 });
}

function only(report: HistoryReport): ReleaseReport {
  expect(report.releases).toHaveLength(1);
  return report.releases[0]!;
}

describe('histories that pass', () => {
  it('a declarative history with a hinted rename, a new column, a new index and a rebuild converges', () => {
    const v2 = V1.replace('email TEXT', 'email TEXT,\n  bio TEXT');
    const current = `CREATE TABLE authors (
  id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL, -- @renamed from=name
  code TEXT,
  email TEXT,
  bio TEXT,
  joined TEXT NOT NULL DEFAULT '2020-01-01'
);
${BOOKS.replace('title TEXT', 'title TEXT COLLATE NOCASE')}
CREATE INDEX authors_email ON authors (email);`;
    const report = run(
      [
        { name: 'v1', schema: V1 },
        { name: 'v2', schema: v2 },
      ],
      { schema: current },
    );
    expect(report.releases.map((r) => [r.name, r.outcome, r.problems])).toEqual([
      ['v1', 'converged', []],
      ['v2', 'converged', []],
    ]);
    expect(report.ok).toBe(true);
    for (const release of report.releases) {
      expect(release.tables).toEqual([
        { name: 'authors', rows: 40 },
        { name: 'books', rows: 40 },
      ]);
    }
  });

  it('a hand-written rebuild of a parent table in a migration keeps the ON DELETE CASCADE children', () => {
    const migrations = [
      { id: '0001_init', up: V1 },
      {
        id: '0002_rebuild_authors',
        up: `CREATE TABLE authors_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT, email TEXT, bio TEXT);
INSERT INTO authors_new (id, name, code, email) SELECT id, name, code, email FROM authors;
DROP TABLE authors;
ALTER TABLE authors_new RENAME TO authors;`,
      },
    ];
    const release = only(run([{ name: '1', migrations: migrations.slice(0, 1) }], { migrations }));
    expect([release.outcome, release.problems]).toEqual(['converged', []]);
    expect(release.migration.migrationsRun).toBe(1);
  });

  it('the same rows come from the same seed, and other rows from another', () => {
    const rows = (seed: string) => {
      const db = conn.openScratch();
      try {
        db.exec(V1);
        fillDatabase(db, { rows: 30, seed });
        return [...readValues(db).values()];
      } finally {
        db.close();
      }
    };
    expect(rows('3')).toEqual(rows('3'));
    expect(rows('3')).not.toEqual(rows('4'));
  });
});

describe('planted failures are caught and shrunk', () => {
  it('a renamed column without a hint is blocked as a possible rename', () => {
    const current = `${V1.replace('name TEXT NOT NULL', 'full_name TEXT NOT NULL')}
CREATE TABLE shelves (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books (id));
CREATE INDEX shelves_book ON shelves (book_id);`;
    const release = only(run([{ name: 'v1', schema: V1 }], { schema: current }));
    expect(release.outcome).toBe('blocked');
    expect(release.problems[0]).toMatchObject({
      kind: 'blocked',
      blocker: { kind: 'possible-rename', object: 'authors.name' },
    });
    expect(release.repro).toMatchObject({
      problem: 'blocked: possible-rename authors.name',
      rows: 1,
      schemaShrunk: true,
    });
    // The books table is not needed to show it: it is gone from both schemas.
    expect(release.repro!.releaseSchema).not.toMatch(/books/);
    // Nor is a table only the current schema has, nor the index on it.
    expect(release.repro!.currentSchema).not.toMatch(/books|shelves/);
    expect(release.repro!.inserts).toMatch(/^INSERT INTO "authors"/);
  });

  it('a type change that rewrites values is blocked when declared, and caught when a migration does it', () => {
    const current = V1.replace('code TEXT', 'code INTEGER');
    const blocked = only(run([{ name: 'v1', schema: V1 }], { schema: current }));
    expect(blocked.problems[0]).toMatchObject({
      kind: 'blocked',
      blocker: { kind: 'data-loss', object: 'authors.code' },
    });

    const migrations = [
      { id: '0001', up: V1 },
      {
        id: '0002_code_integer',
        up: `CREATE TABLE authors_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code INTEGER, email TEXT);
INSERT INTO authors_new SELECT * FROM authors;
DROP TABLE authors;
ALTER TABLE authors_new RENAME TO authors;`,
      },
    ];
    const changed = only(run([{ name: '1', migrations: migrations.slice(0, 1) }], { migrations }));
    expect(changed.outcome).toBe('changed');
    const problem = changed.problems.find((p) => p.kind === 'value-changed');
    expect(problem).toMatchObject({ kind: 'value-changed', table: 'authors', column: 'code' });
    // '007' becomes 7: the value is the same number, a different text.
    expect(
      problem?.kind === 'value-changed' &&
        problem.samples.some((s) => s.before === "'007'" && s.after === '7'),
    ).toBe(true);
    expect(changed.repro).toMatchObject({
      problem: 'values of authors.code changed',
      rows: 1,
      schemaShrunk: false,
    });
  });

  it('a new UNIQUE that duplicates violate is blocked with the rows', () => {
    const current = `${V1}\nCREATE UNIQUE INDEX books_title ON books (title);`;
    const release = only(run([{ name: 'v1', schema: V1 }], { schema: current }));
    expect(release.outcome).toBe('blocked');
    expect(release.problems[0]).toMatchObject({ kind: 'blocked', blocker: { kind: 'unique-violation' } });
    // Two rows with the same title are the least that shows it.
    expect(release.repro?.rows).toBe(2);
  });

  it('a dropped table is blocked, and allowed (and listed) with allowDataLoss for that release', () => {
    const current = AUTHORS;
    const blocked = only(run([{ name: 'v1', schema: V1 }], { schema: current }));
    expect(blocked.problems[0]).toMatchObject({
      kind: 'blocked',
      blocker: { kind: 'data-loss', object: 'books' },
    });
    expect(blocked.repro?.rows).toBe(1);

    const allowed = only(run([{ name: 'v1', schema: V1, allowDataLoss: true }], { schema: current }));
    expect([allowed.outcome, allowed.ok, allowed.problems]).toEqual(['converged', true, []]);
    expect(allowed.allowed).toEqual([{ kind: 'table-dropped', table: 'books', rows: 40 }]);
  });

  it('a migration deleting parents of ON DELETE CASCADE children fails on the orphans, or loses the rows it deletes', () => {
    const deleteParents = { id: '0002_cleanup', up: 'DELETE FROM authors WHERE email IS NULL;' };
    const orphans = only(
      run([{ name: '1', migrations: [{ id: '0001', up: V1 }] }], {
        migrations: [{ id: '0001', up: V1 }, deleteParents],
      }),
    );
    expect(orphans.outcome).toBe('failed');
    expect(orphans.problems[0]).toMatchObject({ kind: 'failed', error: { code: 'foreign-key-violation' } });
    // One author without an e-mail and one of its books.
    expect(orphans.repro?.rows).toBe(2);

    const cascade = {
      id: '0002_cleanup',
      up: 'DELETE FROM books WHERE author_id IN (SELECT id FROM authors WHERE email IS NULL);\nDELETE FROM authors WHERE email IS NULL;',
    };
    const lost = only(
      run([{ name: '1', migrations: [{ id: '0001', up: V1 }] }], {
        migrations: [{ id: '0001', up: V1 }, cascade],
      }),
    );
    expect(lost.outcome).toBe('lost');
    expect(lost.problems.map((p) => p.kind === 'rows-lost' && p.table)).toEqual(
      expect.arrayContaining(['authors', 'books']),
    );
  });

  it('a release whose own schema is broken is an error, not a failure of the upgrade', () => {
    const release = only(run([{ name: 'v0', schema: 'CREATE TABLE t (' }], { schema: V1 }));
    expect(release.outcome).toBe('error');
    expect(release.repro).toBeNull();
  });
});

describe('generated rows', () => {
  it('respect NOT NULL, CHECK, UNIQUE, foreign keys and partial unique indexes, with edge values', () => {
    const schema = `CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  age INTEGER CHECK (age >= 0),
  avatar BLOB,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX users_live_handle ON users (age) WHERE deleted_at IS NULL;
CREATE TABLE tags (name TEXT PRIMARY KEY, parent TEXT REFERENCES tags (name)) WITHOUT ROWID;
CREATE TABLE user_tags (
  user_id INTEGER NOT NULL REFERENCES users (id),
  tag TEXT NOT NULL REFERENCES tags (name),
  PRIMARY KEY (user_id, tag)
);`;
    const report = testHistory(conn, { releases: [{ name: 'v1', schema }], current: { schema }, rows: 60 });
    const release = report.releases[0]!;
    expect([release.outcome, release.problems]).toEqual(['converged', []]);
    expect(release.tables.map((t) => t.rows)).toEqual([60, 60, 60]);
  });

  it('hold the awkward values: NULLs, empty and non-ASCII text, the largest integers, blobs, text in INTEGER', () => {
    const db = conn.openScratch();
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, b BLOB, r REAL)');
      fillDatabase(db, { rows: 20, seed: '1' });
      const values = (column: string) =>
        db.query(`SELECT DISTINCT quote(${column}) AS v FROM t`).map((r) => r.v);
      expect(values('n')).toEqual(
        expect.arrayContaining(['NULL', '9223372036854775807', '-9223372036854775808', "'abc'"]),
      );
      expect(values('s')).toEqual(
        expect.arrayContaining(['NULL', "''", "'ünïcödé ✓ 漢字 🚀'", "'O''Brien'", "'007'"]),
      );
      expect(values('b')).toEqual(expect.arrayContaining(["X''", "X'00FF'", "'text'", '42']));
      expect(values('id')).toContain('9007199254740993');
    } finally {
      db.close();
    }
  });
});
