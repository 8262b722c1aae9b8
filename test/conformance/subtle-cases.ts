/**
 * Schema pairs where the change is easy to miss or the input is built to get past molt's guards: a
 * keyword written before a name, double-quoted text that is a literal and not a name, hints that chain
 * names or take over one in use, rows that already break a CHECK, broken objects beside the change,
 * full-text tables that change columns, hostile statements in a schema. Same expectations and runner
 * as real-world-cases.ts (real-world.test.ts); every case carries rows.
 */
import type { RealWorldCase } from './real-world-cases.ts';

const UNIQUE_OF = (index: string) =>
  `SELECT "unique" AS u FROM pragma_index_list('t') WHERE name = '${index}'`;

export const SUBTLE_CASES: RealWorldCase[] = [
  // ----- UNIQUE written before an index's name ---------------------------------------------------------
  {
    name: 'an index becomes UNIQUE (IF NOT EXISTS, quoted name, a comment between the keywords)',
    source: 'Rails add_index … unique: true on an existing index; hand-written schemas',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); CREATE INDEX t_email ON t (email);',
    rows: "INSERT INTO t VALUES (1, 'a@x'), (2, 'B@x'), (3, NULL), (4, NULL), (5, 'ü@x');",
    after: `CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT);
      CREATE /* now enforced */ UNIQUE INDEX IF NOT EXISTS "T_Email" ON t (email);`,
    expect: 'converges',
    checks: [
      { sql: UNIQUE_OF('T_Email'), rows: [{ u: 1 }] },
      { sql: "INSERT INTO t (email) VALUES ('a@x')", fails: true },
    ],
  },
  {
    name: 'an index becoming UNIQUE over duplicate rows is a UNIQUE blocker',
    source: 'prisma @@unique on an indexed column with duplicates',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); CREATE INDEX t_email ON t (email);',
    rows: "INSERT INTO t VALUES (1, 'a@x'), (2, 'a@x'), (3, 'a@x'), (4, NULL), (5, NULL), (6, 'b@x');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); CREATE UNIQUE INDEX t_email ON t (email);',
    expect: { blockers: [{ kind: 'unique-violation', object: 't', count: 3 }] },
  },
  {
    name: 'a UNIQUE index loses UNIQUE: duplicates can be written afterwards',
    source: 'Django unique=True removed (AlterField drops the unique index, adds a plain one)',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT); CREATE UNIQUE INDEX t_code ON t (code);',
    rows: "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT); CREATE INDEX t_code ON t (code);',
    expect: 'converges',
    checks: [
      { sql: UNIQUE_OF('t_code'), rows: [{ u: 0 }] },
      { sql: "INSERT INTO t (code) VALUES ('a')" },
      { sql: "SELECT count(*) AS n FROM t WHERE code = 'a'", rows: [{ n: 2 }] },
    ],
  },
  {
    name: 'a partial index becomes UNIQUE where its rows are distinct, duplicates outside it stay',
    source: 'soft-delete unique indexes (WHERE deleted_at IS NULL) made unique later',
    before: `CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, deleted_at TEXT);
      CREATE INDEX t_live ON t (email) WHERE deleted_at IS NULL;`,
    rows: "INSERT INTO t VALUES (1, 'a@x', NULL), (2, 'a@x', '2024-01-01'), (3, 'a@x', '2024-02-02'), (4, 'b@x', NULL);",
    after: `CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, deleted_at TEXT);
      CREATE UNIQUE INDEX t_live ON t (email) WHERE deleted_at IS NULL;`,
    expect: 'converges',
    checks: [{ sql: UNIQUE_OF('t_live'), rows: [{ u: 1 }] }],
  },
  {
    name: 'an expression index becoming UNIQUE over case duplicates is a UNIQUE blocker',
    source: 'case-insensitive unique emails (an index on lower(email) made unique)',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT); CREATE INDEX t_ci ON t (lower(email));',
    rows: "INSERT INTO t VALUES (1, 'Ann@x'), (2, 'ann@X'), (3, 'bob@x');",
    after: `CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT);
      CREATE UNIQUE INDEX IF NOT EXISTS t_ci ON t (lower(email));`,
    expect: { blockers: [{ kind: 'unique-violation', object: 't', count: 2 }] },
  },
];
