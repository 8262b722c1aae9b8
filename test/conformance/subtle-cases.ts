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

  // ----- Double-quoted text: a literal where it names nothing ------------------------------------------
  {
    name: 'a DEFAULT written in double quotes changes case: new rows get the new text',
    source: 'Rails/Django schemas with DEFAULT "draft" (a string in double quotes, SQLite reads it as text)',
    before: `CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, status TEXT DEFAULT "Draft");`,
    rows: "INSERT INTO posts VALUES (1, 'a', 'Draft'), (2, 'b', 'published'), (3, NULL, NULL);",
    after: `CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, status TEXT DEFAULT "draft");`,
    expect: 'converges',
    steps: ['rebuild-table'],
    checks: [
      { sql: "INSERT INTO posts (id, title) VALUES (9, 'new')" },
      { sql: 'SELECT status FROM posts WHERE id = 9', rows: [{ status: 'draft' }] },
    ],
  },
  {
    name: 'DEFAULT "CURRENT_TIMESTAMP" (the text) fixed to DEFAULT CURRENT_TIMESTAMP (the clock)',
    source: 'the classic default that stored the literal text CURRENT_TIMESTAMP in every row',
    before: `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, created TEXT NOT NULL DEFAULT "CURRENT_TIMESTAMP");`,
    rows: "INSERT INTO notes (id, body) VALUES (1, 'x'), (2, 'ü'); INSERT INTO notes VALUES (3, NULL, '2024-01-01 10:00:00');",
    after:
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);',
    expect: 'converges',
    steps: ['rebuild-table'],
    checks: [
      { sql: "SELECT count(*) AS n FROM notes WHERE created = 'CURRENT_TIMESTAMP'", rows: [{ n: 2 }] },
      { sql: "INSERT INTO notes (id, body) VALUES (9, 'now')" },
      { sql: "SELECT created GLOB '2*' AS dated FROM notes WHERE id = 9", rows: [{ dated: 1 }] },
    ],
  },
  {
    name: 'a one-word DEFAULT changes case: it is text, not a name',
    source: "SQLite stores DEFAULT active as the text 'active' (parse.y: DEFAULT id)",
    before: 'CREATE TABLE users (id INTEGER PRIMARY KEY, state TEXT DEFAULT active);',
    rows: "INSERT INTO users VALUES (1, 'active'), (2, NULL);",
    after: 'CREATE TABLE users (id INTEGER PRIMARY KEY, state TEXT DEFAULT Active);',
    expect: 'converges',
    steps: ['rebuild-table'],
    checks: [
      { sql: 'INSERT INTO users (id) VALUES (9)' },
      { sql: 'SELECT state FROM users WHERE id = 9', rows: [{ state: 'Active' }] },
    ],
  },
  {
    name: 'quoting a DEFAULT or a CHECK literal differently is no change',
    source: 'the same text written \'Draft\', "Draft" or Draft',
    before: `CREATE TABLE posts (id INTEGER PRIMARY KEY, status TEXT DEFAULT 'Draft' CHECK (status IN ('Draft', 'Live')));`,
    rows: "INSERT INTO posts VALUES (1, 'Draft'), (2, 'Live');",
    after: `CREATE TABLE posts (id INTEGER PRIMARY KEY, status TEXT DEFAULT Draft CHECK (status IN ("Draft", "Live")));`,
    expect: 'converges',
    steps: [],
  },
  {
    name: 'a double-quoted name that is a column stays a name: quoting it is no change',
    source: 'Prisma quotes every identifier; hand-written schemas do not',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, Amount INTEGER CHECK (amount > 0), b AS (amount * 2));',
    rows: 'INSERT INTO t (id, Amount) VALUES (1, 5), (2, NULL);',
    after:
      'CREATE TABLE t (id INTEGER PRIMARY KEY, "Amount" INTEGER CHECK ("AMOUNT" > 0), b AS ("amount" * 2));',
    expect: 'converges',
    steps: [],
  },
  {
    name: 'a CHECK whose double-quoted literals change case blocks on the rows it now refuses',
    source: 'CHECK (kind IN ("Income", "Expense")) lowercased in a later release',
    before: `CREATE TABLE entries (id INTEGER PRIMARY KEY, kind TEXT CHECK (kind IN ("Income", "Expense")), amount REAL);`,
    rows: "INSERT INTO entries VALUES (1, 'Income', 10), (2, 'Expense', -3.5), (3, 'Income', 1e3), (4, NULL, 0);",
    after: `CREATE TABLE entries (id INTEGER PRIMARY KEY, kind TEXT CHECK (kind IN ("income", "expense")), amount REAL);`,
    expect: { blockers: [{ kind: 'check-violation', object: 'entries', count: 3 }] },
  },
  {
    name: 'the same CHECK change over rows already lowercased: the table is rebuilt under the new CHECK',
    source: 'CHECK (kind IN ("Income", "Expense")) lowercased after a data migration',
    before: `CREATE TABLE entries (id INTEGER PRIMARY KEY, kind TEXT CHECK (kind IN ("Income", "Expense", "income", "expense")), amount REAL);`,
    rows: "INSERT INTO entries VALUES (1, 'income', 10), (2, 'expense', -3.5), (3, NULL, 0);",
    after: `CREATE TABLE entries (id INTEGER PRIMARY KEY, kind TEXT CHECK (kind IN ("income", "expense")), amount REAL);`,
    expect: 'converges',
    steps: ['rebuild-table'],
    checks: [{ sql: "INSERT INTO entries VALUES (9, 'Income', 1)", fails: true }],
  },
  {
    name: 'a stored generated column whose double-quoted fallback changes case is recomputed',
    source: 'GENERATED ALWAYS AS (coalesce(nickname, "Anonymous")) STORED',
    before: `CREATE TABLE people (id INTEGER PRIMARY KEY, nickname TEXT, shown TEXT AS (coalesce(nickname, "Anonymous")) STORED);`,
    rows: "INSERT INTO people (id, nickname) VALUES (1, 'zoë'), (2, NULL);",
    after: `CREATE TABLE people (id INTEGER PRIMARY KEY, nickname TEXT, shown TEXT AS (coalesce(nickname, "anonymous")) STORED);`,
    expect: 'converges',
    steps: ['rebuild-table'],
    checks: [
      { sql: 'SELECT shown FROM people ORDER BY id', rows: [{ shown: 'zoë' }, { shown: 'anonymous' }] },
    ],
  },
  {
    name: 'a partial index whose double-quoted literal changes case is recreated',
    source: 'WHERE status <> "Archived" on a partial index',
    before: `CREATE TABLE docs (id INTEGER PRIMARY KEY, status TEXT, slug TEXT);
      CREATE UNIQUE INDEX docs_live ON docs (slug) WHERE status <> "Archived";`,
    rows: "INSERT INTO docs VALUES (1, 'Archived', 'a'), (2, 'archived', 'b'), (3, 'Live', 'c');",
    after: `CREATE TABLE docs (id INTEGER PRIMARY KEY, status TEXT, slug TEXT);
      CREATE UNIQUE INDEX docs_live ON docs (slug) WHERE status <> "archived";`,
    expect: 'converges',
    steps: ['drop-index', 'create-index'],
  },
  {
    name: 'a view alias that changes case renames the column code reads',
    source: 'AS username → AS userName in a view an app reads rows from as objects',
    before: `CREATE TABLE users (id INTEGER PRIMARY KEY, user_name TEXT);
      CREATE VIEW people AS SELECT id, user_name AS username FROM users;`,
    rows: "INSERT INTO users VALUES (1, 'ann'), (2, NULL);",
    after: `CREATE TABLE users (id INTEGER PRIMARY KEY, user_name TEXT);
      CREATE VIEW people AS SELECT id, user_name AS userName FROM users;`,
    expect: 'converges',
    steps: ['drop-view', 'create-view'],
    checks: [{ sql: 'SELECT * FROM people WHERE id = 1', rows: [{ id: 1, userName: 'ann' }] }],
  },
  {
    name: 'a trigger whose double-quoted literal changes case is recreated',
    source: 'audit triggers writing a kind in double quotes',
    before: `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE audit (item INTEGER, what TEXT);
      CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN INSERT INTO audit VALUES (NEW.id, "Created"); END;`,
    rows: "INSERT INTO items VALUES (1, 'a');",
    after: `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE audit (item INTEGER, what TEXT);
      CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN INSERT INTO audit VALUES (NEW.id, "created"); END;`,
    expect: 'converges',
    steps: ['drop-trigger', 'create-trigger'],
    checks: [
      { sql: "INSERT INTO items VALUES (2, 'b')" },
      { sql: 'SELECT what FROM audit ORDER BY item', rows: [{ what: 'Created' }, { what: 'created' }] },
    ],
  },
];
