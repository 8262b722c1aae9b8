/**
 * Schema pairs (before → after) shaped like the migrations real SQLite apps and migration tools run:
 * the rebuilds of Drizzle, Prisma, Rails, Django and sqlite-utils, Atlas's integration data, and the bug
 * reports about migrators that lost rows. Each case names where its pattern comes from; the SQL is
 * written here, in our own words. Every case carries rows: NULLs, duplicates where legal, non-ASCII
 * text, blobs and integers past 2^53.
 *
 * `known` marks a case the engine gets wrong today. Its `expect` is what it should do; the note holds
 * the minimal repro. The suite runs those as expected failures, so it notices when one is fixed.
 */
import type { BlockerKind, ErrorCode, PlanOptions, StepKind } from '../../src/engine/index.ts';

export interface ExpectedBlocker {
  kind: BlockerKind;
  object: string;
  count: number;
}

export type Expectation =
  /** The round trip: plan without blockers, apply, pristine target, re-plan empty, every kept value. */
  | 'converges'
  /** Exactly these blockers (kind, object, exact count); applying throws `blocked`, bytes unchanged. */
  | { blockers: ExpectedBlocker[] }
  /** Planning refuses the desired schema with this code (the schema itself is not valid SQLite). */
  | { planError: ErrorCode }
  /** The plan has no blockers but apply fails with this code and leaves the bytes as they were. */
  | { applyError: ErrorCode };

export interface Check {
  /** Run after the migration; when `rows` is given, the result must equal it. */
  sql: string;
  rows?: Record<string, unknown>[];
  /** The statement must fail (a constraint the target schema enforces). */
  fails?: boolean;
}

export interface RealWorldCase {
  name: string;
  /** Where the pattern comes from. */
  source: string;
  before: string;
  rows: string;
  after: string;
  options?: PlanOptions;
  expect: Expectation;
  /** Row identity per table (by its name before), when the rowid does not survive by design. */
  key?: Record<string, string>;
  /** `table.column` (names before) whose values change by design (a type conversion, a filled default). */
  unchecked?: string[];
  /** The kinds of the plan's steps, in order, when they matter (an empty list: nothing to do). */
  steps?: StepKind[];
  /** Queries run after a converging migration: triggers fire, cascades work, counters kept. */
  checks?: Check[];
  /** The engine gets this case wrong: minimal repro, what happens, what should happen. */
  known?: string;
  /**
   * The renames are one-off instructions (a swap): planning again with them would swap again, so the
   * idempotency check plans without them.
   */
  oneShot?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Shared fixtures

const BLOG = `
CREATE TABLE "User" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "email" TEXT NOT NULL,
  "name" TEXT,
  "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE TABLE "Post" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "title" TEXT NOT NULL,
  "content" TEXT,
  "published" BOOLEAN NOT NULL DEFAULT false,
  "authorId" INTEGER,
  CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);`;
const BLOG_ROWS = `
INSERT INTO "User" VALUES (1, 'ada@example.com', 'Ada', '2024-01-01 00:00:00'),
  (2, 'grace@example.com', NULL, '2024-02-02 00:00:00'), (3, 'zoë@exämple.com', 'Zoë ✓', '2024-03-03 00:00:00');
INSERT INTO "Post" VALUES (10, 'Hello', 'first', 1, 1), (11, 'Draft', NULL, 0, 1), (12, 'Orphan', 'x', 0, NULL),
  (13, 'Zoë''s', X'00FF', 1, 3);
`;

const CHAT = `
CREATE TABLE chats (id TEXT PRIMARY KEY NOT NULL, title TEXT, mode TEXT DEFAULT 'preview' NOT NULL);
CREATE TABLE messages (
  id TEXT PRIMARY KEY NOT NULL,
  chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  body TEXT
);
CREATE TABLE message_attachments (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  data BLOB
);
CREATE INDEX messages_chat ON messages (chat_id);`;
const CHAT_ROWS = `
INSERT INTO chats VALUES ('c1', 'Hi', 'preview'), ('c2', NULL, 'markup'), ('c3', 'ünï', 'preview');
INSERT INTO messages VALUES ('m1', 'c1', 'hello'), ('m2', 'c1', NULL), ('m3', 'c2', 'x'), ('m4', 'c3', '✓');
INSERT INTO message_attachments VALUES (1, 'm1', X'DEADBEEF'), (2, 'm1', NULL), (3, 'm4', X'');
`;

const FTS = `
CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
CREATE VIRTUAL TABLE docs_fts USING fts4(content="docs", title, body);
CREATE TRIGGER docs_bu BEFORE UPDATE ON docs BEGIN DELETE FROM docs_fts WHERE docid = old.rowid; END;
CREATE TRIGGER docs_bd BEFORE DELETE ON docs BEGIN DELETE FROM docs_fts WHERE docid = old.rowid; END;
CREATE TRIGGER docs_au AFTER UPDATE ON docs BEGIN
  INSERT INTO docs_fts (docid, title, body) VALUES (new.rowid, new.title, new.body);
END;
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts (docid, title, body) VALUES (new.rowid, new.title, new.body);
END;`;
const FTS_ROWS = `
INSERT INTO docs VALUES (1, 'hello', 'world'), (5, 'grüße', 'welt'), (9, NULL, 'quiet world');
`;

/** A schema of many tables, each a child of the previous one: a big plan where only the root changes. */
function chain(n: number, rootExtra: string): string {
  const parts = [`CREATE TABLE t0 (id INTEGER PRIMARY KEY, name TEXT${rootExtra});`];
  for (let i = 1; i < n; i++) {
    parts.push(
      `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES t${i - 1}(id) ON DELETE CASCADE, v TEXT);`,
      `CREATE INDEX t${i}_parent ON t${i} (parent);`,
    );
  }
  return parts.join('\n');
}
function chainRows(n: number): string {
  const parts = [`INSERT INTO t0 VALUES (1, 'root'), (2, NULL);`];
  for (let i = 1; i < n; i++)
    parts.push(`INSERT INTO t${i} VALUES (1, 1, 'a${i}'), (2, 2, NULL), (3, NULL, 'ö');`);
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------------

export const CASES: RealWorldCase[] = [
  // ----- Cascading children: the data-loss reports ---------------------------------------------------
  {
    name: 'changing a DEFAULT on a parent keeps ON DELETE CASCADE children and grandchildren',
    source: 'drizzle-team/drizzle-orm#5782 (default flip on chats wiped messages), #4938',
    before: CHAT,
    rows: CHAT_ROWS,
    after: CHAT.replace("DEFAULT 'preview'", "DEFAULT 'markup'"),
    expect: 'converges',
    checks: [
      { sql: 'SELECT count(*) AS n FROM messages', rows: [{ n: 4 }] },
      { sql: "DELETE FROM chats WHERE id = 'c1'" },
      { sql: 'SELECT count(*) AS n FROM message_attachments', rows: [{ n: 1 }] },
    ],
  },
  {
    name: 'rebuilding the middle table of a cascade chain keeps both ends',
    source: 'drizzle-team/drizzle-orm#5782',
    before: CHAT,
    rows: CHAT_ROWS,
    after: CHAT.replace('body TEXT\n', "body TEXT NOT NULL DEFAULT ''\n"),
    expect: 'converges',
    unchecked: ['messages.body'],
    checks: [
      { sql: "SELECT quote(body) AS b FROM messages WHERE id = 'm2'", rows: [{ b: "''" }] },
      { sql: 'SELECT count(*) AS n FROM message_attachments', rows: [{ n: 3 }] },
    ],
  },
  {
    name: 'adding a nullable reference column to a table with rows',
    source: 'drizzle-team/drizzle-kit-mirror#122 (push:sqlite truncated the table)',
    before: `
      CREATE TABLE folder (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
      CREATE TABLE "Document" (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, status TEXT NOT NULL,
        projectId INTEGER NOT NULL);`,
    rows: `
      INSERT INTO folder VALUES (1, 'inbox');
      INSERT INTO "Document" VALUES (1, 'a', 'draft', 7), (2, 'b', 'done', 9007199254740993), (3, 'ç', 'draft', 7);`,
    after: `
      CREATE TABLE folder (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
      CREATE TABLE "Document" (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, status TEXT NOT NULL,
        projectId INTEGER NOT NULL, folderId INTEGER REFERENCES folder(id) ON DELETE CASCADE ON UPDATE CASCADE);`,
    expect: 'converges',
    checks: [{ sql: 'SELECT count(*) AS n FROM "Document"', rows: [{ n: 3 }] }],
  },
  {
    name: 'add_foreign_key on an existing column rebuilds the child without wiping it',
    source: 'rails/rails#55866 (a mere add_foreign_key can wipe a Rails+SQLite table)',
    before: `
      CREATE TABLE "accounts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar);
      CREATE TABLE "invoices" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "account_id" integer NOT NULL,
        "total_cents" bigint DEFAULT 0 NOT NULL, "created_at" datetime(6) NOT NULL);
      CREATE INDEX "index_invoices_on_account_id" ON "invoices" ("account_id");`,
    rows: `
      INSERT INTO accounts VALUES (1, 'acme'), (2, NULL);
      INSERT INTO invoices VALUES (1, 1, 9223372036854775807, '2025-01-01 10:00:00.000000'),
        (2, 2, 0, '2025-01-02'), (3, 1, -5, '2025-01-03');`,
    after: `
      CREATE TABLE "accounts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar);
      CREATE TABLE "invoices" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "account_id" integer NOT NULL,
        "total_cents" bigint DEFAULT 0 NOT NULL, "created_at" datetime(6) NOT NULL,
        CONSTRAINT "fk_rails_acc" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE);
      CREATE INDEX "index_invoices_on_account_id" ON "invoices" ("account_id");`,
    expect: 'converges',
  },
  {
    name: 'add_foreign_key over rows that point nowhere is a foreign-key blocker',
    source: 'rails/rails#55866; sqlite-utils add_foreign_keys',
    before: `
      CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE invoices (id INTEGER PRIMARY KEY, account_id INTEGER);`,
    rows: `
      INSERT INTO accounts VALUES (1, 'acme');
      INSERT INTO invoices VALUES (1, 1), (2, 2), (3, NULL), (4, 3);`,
    after: `
      CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE invoices (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id));`,
    expect: { blockers: [{ kind: 'foreign-key-violation', object: 'invoices', count: 2 }] },
  },
  {
    name: 'Prisma RedefineTables: a new column on Post with the parent User rebuilt too',
    source: 'prisma/prisma-engines#4808 (RedefineTables, foreign_key_check per table)',
    before: BLOG,
    rows: BLOG_ROWS,
    after: BLOG.replace('"name" TEXT,', '"name" TEXT,\n  "role" TEXT NOT NULL DEFAULT \'user\',').replace(
      '"authorId" INTEGER,',
      '"authorId" INTEGER,\n  "views" INTEGER NOT NULL DEFAULT 0,',
    ),
    expect: 'converges',
    checks: [{ sql: 'SELECT count(*) AS n FROM "Post" WHERE "authorId" IS NOT NULL', rows: [{ n: 3 }] }],
  },
  {
    name: 'Prisma: an optional relation made required over NULLs is a NOT NULL blocker',
    source: 'prisma/orm#24540 (IDs of optional relations lost quietly)',
    before: BLOG,
    rows: BLOG_ROWS,
    after: BLOG.replace('"authorId" INTEGER,', '"authorId" INTEGER NOT NULL,').replace(
      'ON DELETE SET NULL',
      'ON DELETE RESTRICT',
    ),
    expect: { blockers: [{ kind: 'not-null-violation', object: 'Post.authorId', count: 1 }] },
  },
  {
    name: 'Prisma: renaming a field keeps its values and its index',
    source: 'prisma/orm#24208 (rename a field on User)',
    before: BLOG,
    rows: BLOG_ROWS,
    after: BLOG.replace('"name" TEXT,', '"displayName" TEXT, -- @renamed from=name'),
    expect: 'converges',
  },

  // ----- sqlite-utils transform() -----------------------------------------------------------------
  {
    name: 'renaming a column keeps AUTOINCREMENT, so deleted ids are never reused',
    source: 'simonw/sqlite-utils#602 (transform removes AUTOINCREMENT); rails/rails#47400',
    before: 'CREATE TABLE mytable (col1 INTEGER PRIMARY KEY AUTOINCREMENT, col2 TEXT NOT NULL);',
    rows: "INSERT INTO mytable (col2) VALUES ('a'), ('b'), ('c'); DELETE FROM mytable WHERE col1 = 3;",
    after: 'CREATE TABLE mytable (col1 INTEGER PRIMARY KEY AUTOINCREMENT, renamedcol2 TEXT NOT NULL);',
    options: { renames: { columns: { 'mytable.col2': 'renamedcol2' } } },
    expect: 'converges',
    checks: [
      { sql: "INSERT INTO mytable (renamedcol2) VALUES ('d')" },
      { sql: 'SELECT max(col1) AS m FROM mytable', rows: [{ m: 4 }] },
    ],
  },
  {
    name: 'reordering columns keeps the rowids an FTS index points at',
    source: 'simonw/sqlite-utils#592 (transform should preserve rowid values)',
    before: `
      CREATE TABLE places (id TEXT, name TEXT, country TEXT);
      CREATE VIRTUAL TABLE places_fts USING fts4(content="places", name);`,
    rows: `
      INSERT INTO places (rowid, id, name, country) VALUES (1, '1', 'Paris', 'France'), (3, '3', 'New York', 'USA'),
        (4, '4', 'London', 'UK'), (7, NULL, 'Zürich', NULL);
      INSERT INTO places_fts (places_fts) VALUES ('rebuild');`,
    after: `
      CREATE TABLE places (country TEXT, name TEXT, id TEXT);
      CREATE VIRTUAL TABLE places_fts USING fts4(content="places", name);`,
    expect: 'converges',
    checks: [
      {
        sql: "SELECT p.name FROM places_fts f JOIN places p ON p.rowid = f.docid WHERE places_fts MATCH 'london'",
        rows: [{ name: 'London' }],
      },
    ],
  },
  {
    name: 'renaming a column of the parent of an ON DELETE CASCADE child deletes nothing',
    source: 'sqlite-utils tests/test_transform.py: test_transform_on_delete_cascade_does_not_delete_records',
    before: `
      CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id) ON DELETE CASCADE);`,
    rows: `
      INSERT INTO authors VALUES (1, 'Ursula K. Le Guin'), (2, NULL);
      INSERT INTO books VALUES (1, 'The Dispossessed', 1), (2, 'Untitled', 2), (3, NULL, NULL);`,
    after: `
      CREATE TABLE authors (id INTEGER PRIMARY KEY, author_name TEXT COLLATE NOCASE);
      CREATE TABLE books (id INTEGER PRIMARY KEY, book_title TEXT, author_id INTEGER REFERENCES authors(id) ON DELETE CASCADE);`,
    options: { renames: { columns: { 'authors.name': 'author_name', 'books.title': 'book_title' } } },
    expect: 'converges',
    checks: [{ sql: 'SELECT count(*) AS n FROM books', rows: [{ n: 3 }] }],
  },
  {
    name: 'making a table STRICT over values that do not fit is a type-mismatch blocker',
    source: 'sqlite-utils tests/test_transform.py: test_transform_to_strict_with_invalid_data',
    before: 'CREATE TABLE dogs (id INTEGER, name TEXT, weight REAL);',
    rows: "INSERT INTO dogs VALUES ('not-an-integer', 'Cleo', 1), (2, 'Pancakes', 'heavy'), (3, X'00', NULL);",
    after: 'CREATE TABLE dogs (id INTEGER, name TEXT, weight REAL) STRICT;',
    expect: {
      blockers: [
        { kind: 'type-mismatch', object: 'dogs.id', count: 1 },
        { kind: 'type-mismatch', object: 'dogs.name', count: 1 },
        { kind: 'type-mismatch', object: 'dogs.weight', count: 1 },
      ],
    },
  },
  {
    name: 'making a table STRICT over values that fit (and back)',
    source: 'sqlite-utils tests/test_transform.py: test_transform_strict',
    before: 'CREATE TABLE dogs (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, photo BLOB, extra ANY);',
    rows: `INSERT INTO dogs VALUES (1, 'Cleo', 5, X'89504E47', 1.5), (2, NULL, NULL, NULL, 'x'),
      (9007199254740993, 'Ünïcode', 9223372036854775807, X'', X'00');`,
    after:
      'CREATE TABLE dogs (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, photo BLOB, extra ANY) STRICT;',
    expect: 'converges',
  },
  {
    name: 'an UPDATE OF trigger follows its column through a rename',
    source: 'simonw/sqlite-utils#611 (AFTER UPDATE OF subject ON thread WHEN NEW.subject IN (6, 7))',
    before: `
      CREATE TABLE thread (id INTEGER PRIMARY KEY, subject INTEGER, lang TEXT);
      CREATE TRIGGER insert_lang_on_thread_subject AFTER UPDATE OF subject ON thread
      WHEN NEW.subject IN (6, 7)
      BEGIN UPDATE thread SET lang = 'fr' WHERE id = NEW.id; END;`,
    rows: "INSERT INTO thread VALUES (1, 6, 'fr'), (2, 1, NULL), (3, NULL, 'ελ');",
    after: `
      CREATE TABLE thread (id INTEGER PRIMARY KEY,
        topic INTEGER, -- @renamed from=subject
        lang TEXT);
      CREATE TRIGGER insert_lang_on_thread_subject AFTER UPDATE OF topic ON thread
      WHEN NEW.topic IN (6, 7)
      BEGIN UPDATE thread SET lang = 'fr' WHERE id = NEW.id; END;`,
    expect: 'converges',
    checks: [
      { sql: 'UPDATE thread SET topic = 7 WHERE id = 2' },
      { sql: 'SELECT lang FROM thread WHERE id = 2', rows: [{ lang: 'fr' }] },
    ],
  },
  {
    name: 'a type change keeps the table’s triggers, and they do not fire on copied rows',
    source: 'simonw/sqlite-utils#849 / PR #854 (triggers dropped by transform); rails/rails PR #56866',
    before: `
      CREATE TABLE dogs (id INTEGER PRIMARY KEY, name TEXT, age TEXT);
      CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT);
      CREATE TRIGGER trg AFTER INSERT ON dogs BEGIN INSERT INTO log (what) VALUES ('new ' || NEW.name); END;`,
    rows: "INSERT INTO dogs VALUES (1, 'Cleo', '5'), (2, 'Pancakes', NULL); DELETE FROM log;",
    after: `
      CREATE TABLE dogs (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
      CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT);
      CREATE TRIGGER trg AFTER INSERT ON dogs BEGIN INSERT INTO log (what) VALUES ('new ' || NEW.name); END;`,
    expect: 'converges',
    unchecked: ['dogs.age'],
    checks: [
      { sql: 'SELECT quote(age) AS a FROM dogs ORDER BY id', rows: [{ a: '5' }, { a: 'NULL' }] },
      { sql: 'SELECT count(*) AS n FROM log', rows: [{ n: 0 }] },
      { sql: "INSERT INTO dogs (name) VALUES ('Rex')" },
      { sql: 'SELECT what FROM log', rows: [{ what: 'new Rex' }] },
    ],
  },
  {
    name: 'dropping a column of a table that a view reads (the view no longer uses it)',
    source: 'simonw/datasette-edit-schema#35 (error in view plugins: no such table)',
    before: `
      CREATE TABLE pypi_releases (id INTEGER PRIMARY KEY, package TEXT, version TEXT, yanked INTEGER);
      CREATE VIEW plugins AS SELECT package, max(version) AS latest FROM pypi_releases GROUP BY package;`,
    rows: "INSERT INTO pypi_releases VALUES (1, 'datasette', '0.64', 0), (2, 'datasette', '1.0', NULL), (3, 'x', NULL, NULL);",
    after: `
      CREATE TABLE pypi_releases (id INTEGER PRIMARY KEY, package TEXT, version TEXT);
      CREATE VIEW plugins AS SELECT package, max(version) AS latest FROM pypi_releases GROUP BY package;`,
    options: { allowDataLoss: true },
    expect: 'converges',
    checks: [{ sql: "SELECT latest FROM plugins WHERE package = 'datasette'", rows: [{ latest: '1.0' }] }],
  },
  {
    name: 'dropping a column that still holds values is a data-loss blocker',
    source: 'sqlite-utils transform(drop=...); atlas cli-migrate-lint-destructive',
    before: 'CREATE TABLE dogs (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);',
    rows: "INSERT INTO dogs VALUES (1, 'Cleo', 5), (2, 'Rex', NULL), (3, NULL, 7);",
    after: 'CREATE TABLE dogs (id INTEGER PRIMARY KEY, name TEXT);',
    expect: { blockers: [{ kind: 'data-loss', object: 'dogs.age', count: 2 }] },
  },

  // ----- Rails / ActiveRecord -------------------------------------------------------------------------
  {
    name: 'changing a column keeps a virtual generated column virtual',
    source: 'rails/rails#51531 (virtual columns copied as classic columns), PR #49346',
    before: `
      CREATE TABLE "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar,
        "name_upper" varchar GENERATED ALWAYS AS (UPPER(name)) VIRTUAL,
        "name_lower" varchar GENERATED ALWAYS AS (LOWER(name)) STORED);`,
    rows: "INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, NULL), (3, 'Ärger');",
    after: `
      CREATE TABLE "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL DEFAULT '',
        "name_upper" varchar GENERATED ALWAYS AS (UPPER(name)) VIRTUAL,
        "name_lower" varchar GENERATED ALWAYS AS (LOWER(name)) STORED);`,
    expect: 'converges',
    unchecked: ['users.name'],
    checks: [
      {
        sql: 'SELECT quote(name_lower) AS l FROM users ORDER BY id',
        rows: [{ l: "'ada'" }, { l: "''" }, { l: "'Ärger'" }],
      },
    ],
  },
  {
    name: 'a rebuild keeps an index’s DESC order and its partial WHERE',
    source: 'rails/rails PR #41548 (preserve index sort order when altering sqlite3 table)',
    before: `
      CREATE TABLE "events" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "at" datetime NOT NULL, "kind" varchar,
        "deleted_at" datetime);
      CREATE INDEX "index_events_on_at" ON "events" ("at" DESC, "kind" ASC) WHERE deleted_at IS NULL;`,
    rows: "INSERT INTO events VALUES (1, '2024-01-01', 'a', NULL), (2, '2024-01-02', NULL, '2024-01-03'), (3, '2024-01-01', 'a', NULL);",
    after: `
      CREATE TABLE "events" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "at" datetime NOT NULL, "kind" varchar(20),
        "deleted_at" datetime);
      CREATE INDEX "index_events_on_at" ON "events" ("at" DESC, "kind" ASC) WHERE deleted_at IS NULL;`,
    expect: 'converges',
  },
  {
    name: 'structure.sql style: add a NOT NULL string with a default and a unique index',
    source: 'Rails db/structure.sql for SQLite (varchar, datetime(6), AUTOINCREMENT NOT NULL)',
    before: `
      CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" varchar NOT NULL PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar,
        "created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL);`,
    rows: `
      INSERT INTO schema_migrations VALUES ('20200428224332'), ('20200428224353');
      INSERT INTO users VALUES (1, 'a', '2020-01-01', '2020-01-01'), (2, NULL, '2020-01-02', '2020-01-02');`,
    after: `
      CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" varchar NOT NULL PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar,
        "created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL, "uid" varchar DEFAULT '' NOT NULL);
      CREATE INDEX "index_users_on_name" ON "users" ("name");`,
    expect: 'converges',
  },
  {
    name: 'a schema dumped with sqlite_sequence in it loads: SQLite’s own tables are skipped',
    source: 'Rails db/structure.sql and `sqlite3 .schema` both print CREATE TABLE sqlite_sequence(name,seq)',
    before: 'CREATE TABLE users (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, name varchar);',
    rows: "INSERT INTO users (name) VALUES ('a');",
    after: `
      CREATE TABLE users (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, name varchar, email varchar);
      CREATE TABLE sqlite_sequence(name,seq);`,
    expect: 'converges',
  },

  // ----- Django ---------------------------------------------------------------------------------------
  {
    name: 'Django: renaming a model whose table other models reference (DEFERRABLE INITIALLY DEFERRED)',
    source: 'django/django schema tests: alter_db_table; Django’s SQLite FK style',
    before: `
      CREATE TABLE "app_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL);
      CREATE TABLE "app_book" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(200) NOT NULL,
        "author_id" bigint NOT NULL REFERENCES "app_author" ("id") DEFERRABLE INITIALLY DEFERRED);
      CREATE INDEX "app_book_author_id_idx" ON "app_book" ("author_id");`,
    rows: `
      INSERT INTO app_author VALUES (1, 'Borges'), (2, 'Lispector');
      INSERT INTO app_book VALUES (1, 'Ficciones', 1), (2, 'A hora da estrela', 2), (3, 'Aleph', 1);`,
    after: `
      CREATE TABLE "app_writer" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL);
      CREATE TABLE "app_book" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(200) NOT NULL,
        "author_id" bigint NOT NULL REFERENCES "app_writer" ("id") DEFERRABLE INITIALLY DEFERRED);
      CREATE INDEX "app_book_author_id_idx" ON "app_book" ("author_id");`,
    options: { renames: { tables: { app_author: 'app_writer' } } },
    expect: 'converges',
  },
  {
    name: 'Django: a PositiveIntegerField over negative values is a CHECK blocker',
    source: 'Django SQLite backend: CHECK ("age" >= 0) for positive integer fields',
    before:
      'CREATE TABLE "app_person" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "age" integer NULL);',
    rows: 'INSERT INTO app_person VALUES (1, 30), (2, -1), (3, NULL), (4, -40);',
    after: `CREATE TABLE "app_person" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
      "age" integer unsigned NULL CHECK ("age" >= 0));`,
    expect: { blockers: [{ kind: 'check-violation', object: 'app_person', count: 2 }] },
  },
  {
    name: 'Django: a BooleanField with a CHECK added over valid rows',
    source: 'Django model field with a CheckConstraint (old SQLite bool columns)',
    before: 'CREATE TABLE "app_flag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "on" bool NOT NULL);',
    rows: 'INSERT INTO app_flag VALUES (1, 1), (2, 0), (3, 1);',
    after: `CREATE TABLE "app_flag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "on" bool NOT NULL,
      CONSTRAINT "on_is_bool" CHECK ("on" IN (0, 1)));`,
    expect: 'converges',
  },

  // ----- Atlas integration data -------------------------------------------------------------------------
  {
    name: 'generated columns: STORED becomes VIRTUAL and expressions change, with rows',
    source: 'ariga/atlas internal/integration/testdata/sqlite/column-generated.txt',
    before:
      'CREATE TABLE users (a int NOT NULL, b int NOT NULL AS (1) VIRTUAL, c int NOT NULL AS (2) STORED);',
    rows: 'INSERT INTO users (a) VALUES (1), (2), (3);',
    after:
      'CREATE TABLE users (a int NOT NULL, b int NOT NULL AS (2) VIRTUAL, c int NOT NULL AS (a * 3) VIRTUAL);',
    expect: 'converges',
    checks: [
      {
        sql: 'SELECT b, c FROM users ORDER BY a',
        rows: [
          { b: 2, c: 3 },
          { b: 2, c: 6 },
          { b: 2, c: 9 },
        ],
      },
    ],
  },
  {
    name: 'appending a NOT NULL virtual generated column',
    source: 'ariga/atlas column-generated.txt (4.hcl: appending a VIRTUAL column uses ALTER)',
    before: 'CREATE TABLE users (a int NOT NULL, b int NOT NULL AS (a + 1) VIRTUAL);',
    rows: 'INSERT INTO users (a) VALUES (1), (-2), (9007199254740993);',
    after:
      'CREATE TABLE users (a int NOT NULL, b int NOT NULL AS (a + 1) VIRTUAL, d int NOT NULL AS (a * 2) VIRTUAL);',
    expect: 'converges',
  },
  {
    name: 'dropping STRICT and WITHOUT ROWID together',
    source: 'ariga/atlas internal/integration/testdata/sqlite/table-options.txt',
    before: 'CREATE TABLE t1 (id integer NOT NULL, v text, PRIMARY KEY (id)) WITHOUT ROWID, STRICT;',
    rows: "INSERT INTO t1 VALUES (1, 'a'), (-9223372036854775808, NULL), (42, 'ø');",
    after: 'CREATE TABLE t1 (id integer NOT NULL, v text, PRIMARY KEY (id));',
    key: { t1: 'id' },
    expect: 'converges',
  },
  {
    name: 'the same table options written in another order need no change',
    source: 'ariga/atlas table-options.txt prints "WITHOUT ROWID, STRICT"; users write either order',
    before: 'CREATE TABLE t1 (id integer NOT NULL, v text, PRIMARY KEY (id)) STRICT, WITHOUT ROWID;',
    rows: "INSERT INTO t1 VALUES (1, 'a'), (2, NULL);",
    after: 'CREATE TABLE t1 (id integer NOT NULL, v text, PRIMARY KEY (id)) WITHOUT ROWID, STRICT;',
    expect: 'converges',
  },
  {
    name: 'changing a partial index’s WHERE',
    source: 'ariga/atlas internal/integration/testdata/sqlite/index-partial.txtar',
    before:
      'CREATE TABLE users (name text NOT NULL, active boolean NULL); CREATE INDEX users_name ON users (name) WHERE active;',
    rows: "INSERT INTO users VALUES ('a', 1), ('a', 0), ('', NULL), ('ß', 1);",
    after:
      "CREATE TABLE users (name text NOT NULL, active boolean NULL); CREATE INDEX users_name ON users (name) WHERE active AND name <> '';",
    expect: 'converges',
  },
  {
    name: 'making an INTEGER PRIMARY KEY AUTOINCREMENT keeps ids and starts the counter at the max',
    source: 'ariga/atlas internal/integration/testdata/sqlite/autoincrement.txtar',
    before: 'CREATE TABLE users (id integer NOT NULL PRIMARY KEY, name text);',
    rows: "INSERT INTO users VALUES (5, 'a'), (9, NULL), (2, 'ü');",
    after: 'CREATE TABLE users (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, name text);',
    expect: 'converges',
    checks: [{ sql: "SELECT seq FROM sqlite_sequence WHERE name = 'users'", rows: [{ seq: 9 }] }],
  },

  // ----- Knex / Kysely style ALTERs -------------------------------------------------------------------
  {
    name: "Kysely addColumn notNull().defaultTo('') on a table with rows",
    source: 'kysely alterTable().addColumn(...).notNull().defaultTo(...) on SQLite',
    before:
      'CREATE TABLE "person" ("id" integer primary key autoincrement, "first_name" varchar(255) not null);',
    rows: "INSERT INTO person VALUES (1, 'Jennifer'), (2, 'Arnold'), (3, 'Sylvester');",
    after: `CREATE TABLE "person" ("id" integer primary key autoincrement, "first_name" varchar(255) not null,
      "last_name" varchar(255) not null default '', "is_admin" boolean default false);`,
    expect: 'converges',
  },
  {
    name: 'adding created_at DEFAULT CURRENT_TIMESTAMP to a table with rows (ALTER refuses it)',
    source:
      'knex/knex sqlite3 "Cannot add a column with non-constant default"; kysely defaultTo(sql`CURRENT_TIMESTAMP`)',
    before: 'CREATE TABLE `notes` (`id` integer not null primary key autoincrement, `body` text);',
    rows: "INSERT INTO notes VALUES (1, 'a'), (2, NULL);",
    after: `CREATE TABLE \`notes\` (\`id\` integer not null primary key autoincrement, \`body\` text,
      \`created_at\` datetime not null default CURRENT_TIMESTAMP, \`rev\` integer default (1 + 1));`,
    expect: 'converges',
    checks: [
      { sql: 'SELECT count(*) AS n FROM notes WHERE created_at IS NOT NULL AND rev = 2', rows: [{ n: 2 }] },
    ],
  },
  {
    name: 'dropping an indexed column after dropping its index',
    source: 'knex/knex dropColumn on SQLite with an index on the column',
    before: `
      CREATE TABLE \`accounts\` (\`id\` integer not null primary key autoincrement, \`email\` varchar(255), \`legacy\` varchar(255));
      CREATE INDEX \`accounts_legacy_index\` ON \`accounts\` (\`legacy\`);
      CREATE UNIQUE INDEX \`accounts_email_unique\` ON \`accounts\` (\`email\`);`,
    rows: "INSERT INTO accounts VALUES (1, 'a@x', 'old'), (2, NULL, NULL), (3, NULL, 'old');",
    after: `
      CREATE TABLE \`accounts\` (\`id\` integer not null primary key autoincrement, \`email\` varchar(255));
      CREATE UNIQUE INDEX \`accounts_email_unique\` ON \`accounts\` (\`email\`);`,
    options: { allowDataLoss: true },
    expect: 'converges',
  },
  {
    name: 'changing a DEFAULT written with parentheses and strftime',
    source: "drizzle sqlite `default(sql`(strftime('%s', 'now'))`)` and `unixepoch()` defaults",
    before:
      "CREATE TABLE sessions (id text PRIMARY KEY NOT NULL, expires_at integer DEFAULT (strftime('%s', 'now')) NOT NULL);",
    rows: "INSERT INTO sessions VALUES ('s1', 1700000000), ('s2', 9223372036854775807);",
    after:
      'CREATE TABLE sessions (id text PRIMARY KEY NOT NULL, expires_at integer DEFAULT (unixepoch() + 3600) NOT NULL);',
    expect: 'converges',
  },

  // ----- Identifiers ----------------------------------------------------------------------------------
  {
    name: 'columns named like keywords and types survive a rebuild',
    source: 'sqlite.org/lang_keywords.html; "text TEXT" and "order" columns in real schemas',
    before: `CREATE TABLE "order" ("order" INTEGER, "group" TEXT, text TEXT, [from] TEXT, \`key\` TEXT, "select" BLOB,
      "primary" TEXT, "check" INTEGER, "unique" TEXT);`,
    rows: `INSERT INTO "order" VALUES (1, 'g', 'text', 'from', 'k', X'01', 'p', 1, 'u'),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (1, 'g', 'text', 'from', 'k', X'01', 'p', 1, 'u');`,
    after: `CREATE TABLE "order" ("order" INTEGER NOT NULL DEFAULT 0, "group" TEXT, text TEXT, [from] TEXT, \`key\` TEXT,
      "select" BLOB, "primary" TEXT, "check" INTEGER CHECK ("check" IN (0, 1)), "unique" TEXT);
      CREATE INDEX "order by" ON "order" ("group", text);`,
    expect: 'converges',
    unchecked: ['order.order'],
  },
  {
    name: 'quotes, spaces, punctuation and non-ASCII in table and column names',
    source: 'sqlite-utils tests (odd column names); DESIGN trap list',
    before: `
      CREATE TABLE "user data" ("id" INTEGER PRIMARY KEY, "e-mail" TEXT, "quo""te" TEXT, "größe" REAL, "名前" TEXT);
      CREATE TABLE "ärger" ("id" INTEGER PRIMARY KEY, "user data id" INTEGER REFERENCES "user data" ("id"));`,
    rows: `
      INSERT INTO "user data" VALUES (1, 'a@x', 'say "hi"', 1.5, '太郎'), (2, NULL, NULL, NULL, NULL), (3, 'b@x', '''', -0.5, '🙂');
      INSERT INTO "ärger" VALUES (1, 1), (2, NULL), (3, 3);`,
    after: `
      CREATE TABLE "user data" ("id" INTEGER PRIMARY KEY, "e-mail" TEXT COLLATE NOCASE, "quo""te" TEXT, "größe" REAL,
        "名前" TEXT NOT NULL DEFAULT '—');
      CREATE TABLE "ärger" ("id" INTEGER PRIMARY KEY, "user data id" INTEGER REFERENCES "user data" ("id") ON DELETE CASCADE);
      CREATE TABLE "ÄRGER" ("id" INTEGER PRIMARY KEY);`,
    expect: 'converges',
    unchecked: ['user data.名前'],
  },
  {
    name: 'renaming a table and a column whose names need quoting',
    source: 'sqldef @renamed hints; identifiers with spaces and quotes',
    before: `
      CREATE TABLE "old ""name""" ("id" INTEGER PRIMARY KEY, "a b" TEXT);
      CREATE TABLE kid (id INTEGER PRIMARY KEY, p INTEGER REFERENCES "old ""name""" (id));
      CREATE INDEX "idx a b" ON "old ""name""" ("a b");`,
    rows: `INSERT INTO "old ""name""" VALUES (1, 'x'), (2, NULL); INSERT INTO kid VALUES (1, 1), (2, NULL);`,
    after: `
      CREATE TABLE "new name" ( -- @renamed from="old ""name"""
        "id" INTEGER PRIMARY KEY,
        "c d" TEXT -- @renamed from="a b"
      );
      CREATE TABLE kid (id INTEGER PRIMARY KEY, p INTEGER REFERENCES "new name" (id));
      CREATE INDEX "idx a b" ON "new name" ("c d");`,
    expect: 'converges',
  },
  {
    name: 'a case-only rename of a column reaches the new spelling',
    source: 'case-only renames (Prisma/Drizzle camelCase fixes); sql.js getAsObject keys are case-sensitive',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, username TEXT);',
    rows: "INSERT INTO t VALUES (1, 'ada'), (2, NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, userName TEXT);',
    expect: 'converges',
    checks: [{ sql: 'SELECT * FROM t WHERE id = 1', rows: [{ id: 1, userName: 'ada' }] }],
  },

  // ----- Foreign keys: self references, cycles, composites ---------------------------------------------
  {
    name: 'rebuilding a self-referencing tree with ON DELETE CASCADE keeps every node',
    source: 'categories/comments trees in Drizzle and Prisma schemas (self relation)',
    before: `CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id) ON DELETE CASCADE,
      name TEXT);`,
    rows: "INSERT INTO categories VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 1, NULL);",
    after: `CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id) ON DELETE CASCADE,
      name TEXT NOT NULL DEFAULT 'unnamed', slug TEXT);
      CREATE INDEX categories_parent ON categories (parent_id);`,
    expect: 'converges',
    unchecked: ['categories.name'],
    checks: [
      { sql: 'SELECT count(*) AS n FROM categories', rows: [{ n: 4 }] },
      { sql: 'DELETE FROM categories WHERE id = 2' },
      { sql: 'SELECT count(*) AS n FROM categories', rows: [{ n: 2 }] },
    ],
  },
  {
    name: 'a foreign-key cycle (departments ↔ employees) with both tables rebuilt',
    source: 'FK cycles: manager_id / dept_id, deferred (Django, Rails schemas)',
    before: `
      CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT,
        manager_id INTEGER REFERENCES employees(id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT,
        dept_id INTEGER REFERENCES departments(id) ON DELETE SET NULL);`,
    rows: `
      BEGIN;
      INSERT INTO departments VALUES (1, 'R&D', 10), (2, 'Ops', NULL);
      INSERT INTO employees VALUES (10, 'Ada', 1), (11, 'Bob', 1), (12, 'Cy', NULL);
      COMMIT;`,
    after: `
      CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '',
        manager_id INTEGER REFERENCES employees(id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT,
        dept_id INTEGER REFERENCES departments(id) ON DELETE CASCADE, email TEXT UNIQUE);`,
    expect: 'converges',
  },
  {
    name: 'a composite key parent becomes WITHOUT ROWID under a composite foreign key',
    source: 'order lines with composite keys (Prisma @@id, Drizzle primaryKey({ columns }))',
    before: `
      CREATE TABLE order_items (order_id INTEGER NOT NULL, line INTEGER NOT NULL, sku TEXT, qty INTEGER,
        PRIMARY KEY (order_id, line));
      CREATE TABLE shipments (id INTEGER PRIMARY KEY, order_id INTEGER, line INTEGER,
        FOREIGN KEY (order_id, line) REFERENCES order_items (order_id, line) ON UPDATE CASCADE);`,
    rows: `
      INSERT INTO order_items VALUES (1, 1, 'A', 2), (1, 2, 'B', NULL), (2, 1, 'Ω', 9007199254740993);
      INSERT INTO shipments VALUES (1, 1, 1), (2, 2, 1), (3, NULL, NULL);`,
    after: `
      CREATE TABLE order_items (order_id INTEGER NOT NULL, line INTEGER NOT NULL, sku TEXT, qty INTEGER,
        PRIMARY KEY (order_id, line)) WITHOUT ROWID;
      CREATE TABLE shipments (id INTEGER PRIMARY KEY, order_id INTEGER, line INTEGER,
        FOREIGN KEY (order_id, line) REFERENCES order_items (order_id, line) ON UPDATE CASCADE);`,
    key: { order_items: "order_id || '/' || line" },
    expect: 'converges',
    checks: [
      { sql: 'UPDATE order_items SET line = 5 WHERE order_id = 2' },
      { sql: 'SELECT line FROM shipments WHERE id = 2', rows: [{ line: 5 }] },
    ],
  },
  {
    name: 'a many-to-many join table WITHOUT ROWID gains a column',
    source: 'Drizzle/Prisma implicit m2m tables (_PostToTag) with composite primary keys',
    before: `
      CREATE TABLE post (id INTEGER PRIMARY KEY); CREATE TABLE tag (id INTEGER PRIMARY KEY, label TEXT UNIQUE);
      CREATE TABLE post_tag (post_id INTEGER NOT NULL REFERENCES post(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE, PRIMARY KEY (post_id, tag_id)) WITHOUT ROWID;`,
    rows: `
      INSERT INTO post VALUES (1), (2); INSERT INTO tag VALUES (1, 'sql'), (2, 'ünï'), (3, NULL);
      INSERT INTO post_tag VALUES (1, 1), (1, 2), (2, 1);`,
    after: `
      CREATE TABLE post (id INTEGER PRIMARY KEY); CREATE TABLE tag (id INTEGER PRIMARY KEY, label TEXT UNIQUE);
      CREATE TABLE post_tag (post_id INTEGER NOT NULL REFERENCES post(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE, position INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (post_id, tag_id)) WITHOUT ROWID;
      CREATE INDEX post_tag_tag ON post_tag (tag_id);`,
    expect: 'converges',
  },
  {
    name: 'switching ON DELETE CASCADE to SET NULL on a child with rows',
    source: 'drizzle-kit "onDelete" change → table recreation',
    before: `
      CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE member (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team(id) ON DELETE CASCADE);`,
    rows: "INSERT INTO team VALUES (1, NULL), (2, 'b'); INSERT INTO member VALUES (1, 1), (2, 1), (3, 2), (4, NULL);",
    after: `
      CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE member (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team(id) ON DELETE SET NULL);`,
    expect: 'converges',
    checks: [
      { sql: 'DELETE FROM team WHERE id = 1' },
      { sql: 'SELECT count(*) AS n FROM member WHERE team_id IS NULL', rows: [{ n: 3 }] },
    ],
  },
  {
    name: 'rows written while foreign keys were off are named before anything runs',
    source: 'PRAGMA foreign_keys defaults to OFF: old rows can already violate (rails#55866 discussion)',
    before: `
      CREATE TABLE a (id INTEGER PRIMARY KEY);
      CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) DEFERRABLE INITIALLY DEFERRED, x TEXT);`,
    rows: "PRAGMA foreign_keys = OFF; INSERT INTO a VALUES (1); INSERT INTO b VALUES (1, 1, 'ok'), (2, 99, 'bad'); PRAGMA foreign_keys = ON;",
    after: `
      CREATE TABLE a (id INTEGER PRIMARY KEY);
      CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) DEFERRABLE INITIALLY DEFERRED,
        x TEXT NOT NULL DEFAULT '');`,
    expect: { blockers: [{ kind: 'foreign-key-violation', object: 'b', count: 1 }] },
  },
  {
    name: 'renaming a parent key column that a child references ON UPDATE CASCADE',
    source: 'sqlite-utils transform(rename=) on a referenced column; django RenameField on to_field',
    before: `
      CREATE TABLE product (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
      CREATE TABLE line (id INTEGER PRIMARY KEY, code TEXT REFERENCES product(code) ON UPDATE CASCADE);`,
    rows: "INSERT INTO product VALUES (1, 'x'), (2, 'ÿ'), (3, NULL); INSERT INTO line VALUES (1, 'x'), (2, NULL), (3, 'ÿ');",
    after: `
      CREATE TABLE product (id INTEGER PRIMARY KEY, sku TEXT UNIQUE);
      CREATE TABLE line (id INTEGER PRIMARY KEY, code TEXT REFERENCES product(sku) ON UPDATE CASCADE);`,
    options: { renames: { columns: { 'product.code': 'sku' } } },
    expect: 'converges',
    checks: [
      { sql: "UPDATE product SET sku = 'y' WHERE id = 1" },
      { sql: 'SELECT code FROM line WHERE id = 1', rows: [{ code: 'y' }] },
    ],
  },

  // ----- Views and triggers that depend on each other --------------------------------------------------
  {
    name: 'a table read by a view that a trigger on another table reads',
    source: 'tables referenced by views referenced by triggers (sqlite.org/lang_altertable.html §7 step 9)',
    before: `
      CREATE TABLE stock (sku TEXT PRIMARY KEY, qty INTEGER);
      CREATE VIEW low_stock AS SELECT sku FROM stock WHERE qty < 5;
      CREATE TABLE orders (id INTEGER PRIMARY KEY, sku TEXT, flagged INTEGER DEFAULT 0);
      CREATE TRIGGER orders_flag AFTER INSERT ON orders
      WHEN NEW.sku IN (SELECT sku FROM low_stock)
      BEGIN UPDATE orders SET flagged = 1 WHERE id = NEW.id; END;`,
    rows: "INSERT INTO stock VALUES ('a', 1), ('b', 10), ('c', NULL); INSERT INTO orders VALUES (1, 'a', 1), (2, 'b', 0);",
    after: `
      CREATE TABLE stock (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL DEFAULT 0, location TEXT);
      CREATE VIEW low_stock AS SELECT sku FROM stock WHERE qty < 5;
      CREATE TABLE orders (id INTEGER PRIMARY KEY, sku TEXT, flagged INTEGER DEFAULT 0);
      CREATE TRIGGER orders_flag AFTER INSERT ON orders
      WHEN NEW.sku IN (SELECT sku FROM low_stock)
      BEGIN UPDATE orders SET flagged = 1 WHERE id = NEW.id; END;`,
    expect: 'converges',
    unchecked: ['stock.qty'],
    checks: [
      { sql: "INSERT INTO orders (id, sku) VALUES (3, 'c')" },
      { sql: 'SELECT flagged FROM orders WHERE id = 3', rows: [{ flagged: 1 }] },
    ],
  },
  {
    name: 'a view over a view over a renamed table',
    source: 'sqldef rename hints; chained views in reporting schemas',
    before: `
      CREATE TABLE sale (id INTEGER PRIMARY KEY, amount INTEGER, region TEXT);
      CREATE VIEW sale_by_region AS SELECT region, sum(amount) AS total FROM sale GROUP BY region;
      CREATE VIEW top_region AS SELECT region FROM sale_by_region ORDER BY total DESC LIMIT 1;`,
    rows: "INSERT INTO sale VALUES (1, 10, 'eu'), (2, 30, 'us'), (3, NULL, NULL), (4, 25, 'eu');",
    after: `
      CREATE TABLE sales ( -- @renamed from=sale
        id INTEGER PRIMARY KEY, amount INTEGER, region TEXT);
      CREATE VIEW sale_by_region AS SELECT region, sum(amount) AS total FROM sales GROUP BY region;
      CREATE VIEW top_region AS SELECT region FROM sale_by_region ORDER BY total DESC LIMIT 1;`,
    expect: 'converges',
    checks: [{ sql: 'SELECT region FROM top_region', rows: [{ region: 'eu' }] }],
  },
  {
    name: 'an INSTEAD OF trigger on a view over a rebuilt table',
    source:
      'updatable views with INSTEAD OF triggers (sqlite.org/lang_createtrigger.html#instead_of_triggers)',
    before: `
      CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);
      CREATE VIEW items_v AS SELECT id, name, qty FROM items;
      CREATE TRIGGER items_v_ins INSTEAD OF INSERT ON items_v BEGIN
        INSERT INTO items (name, qty) VALUES (NEW.name, coalesce(NEW.qty, 0));
      END;`,
    rows: "INSERT INTO items VALUES (1, 'a', 2), (2, NULL, NULL);",
    after: `
      CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER CHECK (qty IS NULL OR qty >= 0));
      CREATE VIEW items_v AS SELECT id, name, qty FROM items;
      CREATE TRIGGER items_v_ins INSTEAD OF INSERT ON items_v BEGIN
        INSERT INTO items (name, qty) VALUES (NEW.name, coalesce(NEW.qty, 0));
      END;`,
    expect: 'converges',
    checks: [
      { sql: "INSERT INTO items_v (name) VALUES ('z')" },
      { sql: "SELECT qty FROM items WHERE name = 'z'", rows: [{ qty: 0 }] },
    ],
  },
  {
    name: 'a trigger body with CASE … END and a string holding a semicolon',
    source: 'audit triggers with CASE expressions (splitting trigger bodies on END)',
    before: `
      CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER);
      CREATE TABLE audit (id INTEGER PRIMARY KEY, acct INTEGER, note TEXT);`,
    rows: 'INSERT INTO acct VALUES (1, 10), (2, NULL);',
    after: `
      CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER);
      CREATE TABLE audit (id INTEGER PRIMARY KEY, acct INTEGER, note TEXT);
      CREATE TRIGGER acct_audit AFTER UPDATE OF balance ON acct BEGIN
        INSERT INTO audit (acct, note) VALUES (NEW.id, CASE WHEN NEW.balance < 0 THEN 'overdrawn; check' ELSE 'ok' END);
        UPDATE acct SET balance = CASE WHEN NEW.balance IS NULL THEN 0 ELSE NEW.balance END WHERE id = NEW.id AND NEW.balance IS NULL;
      END;
      CREATE INDEX acct_balance ON acct (balance);`,
    expect: 'converges',
    checks: [
      { sql: 'UPDATE acct SET balance = -1 WHERE id = 1' },
      { sql: 'SELECT note FROM audit', rows: [{ note: 'overdrawn; check' }] },
    ],
  },
  {
    name: 'a desired schema in any order, wrapped like a .dump, with comments and PRAGMAs',
    source: '`sqlite3 .dump` output (PRAGMA foreign_keys=OFF; BEGIN TRANSACTION; … COMMIT;)',
    before: 'CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);',
    rows: "INSERT INTO a VALUES (1, 'x');",
    after: `
      PRAGMA foreign_keys=OFF;
      BEGIN TRANSACTION;
      /* views before their tables */
      CREATE VIEW bv AS SELECT a.v, b.w FROM a JOIN b ON b.a_id = a.id; -- reads b, declared below
      CREATE TRIGGER b_touch AFTER INSERT ON b BEGIN UPDATE a SET v = upper(v) WHERE id = NEW.a_id; END;
      CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id), w TEXT);
      CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
      COMMIT;`,
    expect: 'converges',
  },

  // ----- FTS ----------------------------------------------------------------------------------------
  {
    name: 'an FTS4 external-content table and its sync triggers survive a rebuild of the content table',
    source:
      'sqlite.org/fts3.html §6.2.2 external content tables; sqlite-utils enable_fts(create_triggers=True)',
    before: FTS,
    rows: FTS_ROWS,
    after: FTS.replace('body TEXT)', "body TEXT NOT NULL DEFAULT '', lang TEXT)"),
    expect: 'converges',
    checks: [
      {
        sql: "SELECT docid FROM docs_fts WHERE docs_fts MATCH 'world' ORDER BY docid",
        rows: [{ docid: 1 }, { docid: 9 }],
      },
      { sql: "UPDATE docs SET body = 'mars' WHERE id = 1" },
      { sql: "SELECT docid FROM docs_fts WHERE docs_fts MATCH 'mars'", rows: [{ docid: 1 }] },
    ],
  },
  {
    name: 'an FTS4 table with rows whose definition changes is a data-loss blocker',
    source:
      'DESIGN: virtual tables are never rebuilt; changed → drop and create, flagged when they hold rows',
    before: 'CREATE VIRTUAL TABLE notes_fts USING fts4(title, body);',
    rows: "INSERT INTO notes_fts VALUES ('a', 'b'), ('ünï', NULL), ('c', 'd');",
    after: 'CREATE VIRTUAL TABLE notes_fts USING fts4(title, body, tokenize=unicode61);',
    expect: { blockers: [{ kind: 'data-loss', object: 'notes_fts', count: 3 }] },
  },
  {
    name: 'an unchanged FTS4 table beside a changing table keeps its index',
    source: 'FTS shadow tables (pragma_table_list type = shadow) must not be touched',
    before: `
      CREATE VIRTUAL TABLE kb USING fts4(title, body);
      CREATE TABLE kb_meta (docid INTEGER PRIMARY KEY, author TEXT);`,
    rows: "INSERT INTO kb (docid, title, body) VALUES (1, 'sqlite', 'fts'), (2, 'wasm', NULL); INSERT INTO kb_meta VALUES (1, 'a'), (2, NULL);",
    after: `
      CREATE VIRTUAL TABLE kb USING fts4(title, body);
      CREATE TABLE kb_meta (docid INTEGER PRIMARY KEY, author TEXT COLLATE NOCASE, stars INTEGER DEFAULT 0);`,
    expect: 'converges',
    checks: [{ sql: "SELECT docid FROM kb WHERE kb MATCH 'wasm'", rows: [{ docid: 2 }] }],
  },

  // ----- JSON ------------------------------------------------------------------------------------------
  {
    name: 'adding CHECK (json_valid(data)) over a malformed row is a CHECK blocker',
    source: 'JSON columns validated with json_valid (Drizzle text({ mode: "json" }) + check)',
    before: 'CREATE TABLE settings (id INTEGER PRIMARY KEY, data TEXT);',
    rows: `INSERT INTO settings VALUES (1, '{"theme":"dark"}'), (2, 'not json'), (3, NULL), (4, '[]');`,
    after: 'CREATE TABLE settings (id INTEGER PRIMARY KEY, data TEXT CHECK (json_valid(data)));',
    expect: { blockers: [{ kind: 'check-violation', object: 'settings', count: 1 }] },
  },
  {
    name: 'an expression index on json_extract over valid JSON',
    source: 'indexes on json_extract / ->> (common in offline-first apps)',
    before: 'CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);',
    rows: `INSERT INTO events VALUES (1, '{"type":"a","n":1}'), (2, '{"type":"b"}'), (3, '{}');`,
    after: `CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);
      CREATE INDEX events_type ON events (json_extract(payload, '$.type'));
      CREATE INDEX events_n ON events (payload ->> '$.n') WHERE payload ->> '$.n' IS NOT NULL;`,
    expect: 'converges',
  },
  {
    name: 'an expression index on json_extract over a malformed row fails at apply, cleanly',
    source: 'indexes on json_extract over legacy rows',
    before: 'CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT);',
    rows: `INSERT INTO events VALUES (1, '{"type":"a"}'), (2, 'oops');`,
    after: `CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT);
      CREATE INDEX events_type ON events (json_extract(payload, '$.type'));`,
    expect: { applyError: 'sqlite-error' },
  },
  {
    name: 'a STORED generated column computed for existing rows',
    source: 'rails/rails PR #49346 (stored generated columns); atlas column-generated',
    before: 'CREATE TABLE people (id INTEGER PRIMARY KEY, profile TEXT);',
    rows: `INSERT INTO people VALUES (1, '{"name":"Ada"}'), (2, NULL), (3, '{"name":"Zoë"}');`,
    after: `CREATE TABLE people (id INTEGER PRIMARY KEY, profile TEXT,
      name TEXT GENERATED ALWAYS AS (json_extract(profile, '$.name')) STORED);
      CREATE INDEX people_name ON people (name);`,
    expect: 'converges',
    checks: [
      {
        sql: 'SELECT quote(name) AS n FROM people ORDER BY id',
        rows: [{ n: "'Ada'" }, { n: 'NULL' }, { n: "'Zoë'" }],
      },
    ],
  },

  // ----- UNIQUE, partial and expression indexes -----------------------------------------------------------
  {
    name: 'a soft-delete partial unique index over duplicates among deleted rows',
    source: 'partial unique indexes for soft deletes (WHERE deleted_at IS NULL)',
    before: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, deleted_at TEXT);',
    rows: "INSERT INTO users VALUES (1, 'a@x', NULL), (2, 'a@x', '2024-01-01'), (3, 'a@x', '2024-02-01'), (4, NULL, NULL), (5, NULL, NULL);",
    after: `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, deleted_at TEXT);
      CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL;`,
    expect: 'converges',
  },
  {
    name: 'the same partial unique index over live duplicates is a UNIQUE blocker',
    source: 'partial unique indexes for soft deletes',
    before: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, deleted_at TEXT);',
    rows: "INSERT INTO users VALUES (1, 'a@x', NULL), (2, 'a@x', NULL), (3, 'a@x', '2024-02-01'), (4, 'b@x', NULL);",
    after: `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, deleted_at TEXT);
      CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL;`,
    expect: { blockers: [{ kind: 'unique-violation', object: 'users', count: 2 }] },
  },
  {
    name: 'a unique index on lower(email) over case duplicates is a UNIQUE blocker',
    source: 'case-insensitive unique emails (Django Lower() UniqueConstraint, Rails index on lower)',
    before: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);',
    rows: "INSERT INTO users VALUES (1, 'Ann@x'), (2, 'ann@X'), (3, 'bob@x'), (4, NULL), (5, NULL);",
    after:
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE UNIQUE INDEX users_email_ci ON users (lower(email));',
    expect: { blockers: [{ kind: 'unique-violation', object: 'users', count: 2 }] },
  },
  {
    name: 'a UNIQUE constraint over duplicates (NULLs do not count) is a UNIQUE blocker',
    source: 'prisma @unique added to a column with duplicates (prisma migrate warns)',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT);',
    rows: "INSERT INTO t VALUES (1, 'a'), (2, 'a'), (3, 'a'), (4, NULL), (5, NULL), (6, 'b');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE);',
    expect: { blockers: [{ kind: 'unique-violation', object: 't', count: 3 }] },
  },
  {
    name: 'a composite UNIQUE over rows that differ only where a NULL is',
    source: 'UNIQUE (a, b) with NULLs (sqlite.org/nulls.html)',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);',
    rows: "INSERT INTO t VALUES (1, 'x', NULL), (2, 'x', NULL), (3, 'x', 1), (4, NULL, 1), (5, NULL, 1);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, UNIQUE (a, b));',
    expect: 'converges',
  },
  {
    name: 'making an email column COLLATE NOCASE UNIQUE over case duplicates is a UNIQUE blocker',
    source: 'Django db_collation / Rails collation: "NOCASE" on an existing unique email',
    before: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE);',
    rows: "INSERT INTO users VALUES (1, 'a@x'), (2, 'A@X'), (3, 'b@x'), (4, NULL);",
    after: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE);',
    expect: { blockers: [{ kind: 'unique-violation', object: 'users', count: 2 }] },
  },
  {
    name: 'the same NOCASE change under UNIQUE ON CONFLICT REPLACE must not delete a row',
    source: 'ON CONFLICT clauses on constraints (sqlite.org/lang_conflict.html)',
    before: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE ON CONFLICT REPLACE);',
    rows: "INSERT INTO users VALUES (1, 'a@x'), (2, 'A@X'), (3, 'b@x'), (4, NULL);",
    after:
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE ON CONFLICT REPLACE);',
    expect: { blockers: [{ kind: 'unique-violation', object: 'users', count: 2 }] },
  },
  {
    name: 'a composite UNIQUE … ON CONFLICT IGNORE with a NOCASE change must not drop a row',
    source: 'ON CONFLICT IGNORE on table constraints (sqlite.org/lang_conflict.html)',
    before:
      'CREATE TABLE tags (id INTEGER PRIMARY KEY, ns TEXT, label TEXT, UNIQUE (ns, label) ON CONFLICT IGNORE);',
    rows: "INSERT INTO tags VALUES (1, 'x', 'Rust'), (2, 'x', 'rust'), (3, 'y', 'rust');",
    after: `CREATE TABLE tags (id INTEGER PRIMARY KEY, ns TEXT, label TEXT COLLATE NOCASE,
      UNIQUE (ns, label) ON CONFLICT IGNORE);`,
    expect: { blockers: [{ kind: 'unique-violation', object: 'tags', count: 2 }] },
  },
  {
    name: 'a WITHOUT ROWID text key made NOCASE over case duplicates is a UNIQUE blocker',
    source: 'key-value tables (WITHOUT ROWID) with collation changes',
    before: 'CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;',
    rows: "INSERT INTO kv VALUES ('a', '1'), ('A', '2'), ('b', NULL);",
    after: 'CREATE TABLE kv (k TEXT COLLATE NOCASE PRIMARY KEY, v TEXT) WITHOUT ROWID;',
    expect: { blockers: [{ kind: 'unique-violation', object: 'kv', count: 2 }] },
  },

  // ----- INTEGER PRIMARY KEY promotions ---------------------------------------------------------------
  {
    name: 'promoting a unique integer column to INTEGER PRIMARY KEY',
    source: 'sqlite-utils transform(pk="id") on a rowid table',
    before: 'CREATE TABLE t (id INTEGER, v TEXT);',
    rows: "INSERT INTO t VALUES (10, 'a'), (20, NULL), (9007199254740993, 'ü');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);',
    key: { t: 'id' },
    expect: 'converges',
  },
  {
    name: 'promoting an integer column with duplicates to INTEGER PRIMARY KEY is a UNIQUE blocker',
    source: 'sqlite-utils transform(pk=...) / Prisma @id on an existing column',
    before: 'CREATE TABLE t (id INTEGER, v TEXT);',
    rows: "INSERT INTO t VALUES (1, 'a'), (1, 'b'), (2, 'c');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);',
    expect: { blockers: [{ kind: 'unique-violation', object: 't', count: 2 }] },
  },
  {
    name: 'the same promotion with ON CONFLICT REPLACE must not delete rows',
    source: 'INTEGER PRIMARY KEY ON CONFLICT REPLACE (upsert-style tables)',
    before: 'CREATE TABLE t (id INTEGER, v TEXT);',
    rows: "INSERT INTO t VALUES (1, 'a'), (1, 'b'), (2, 'c');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY ON CONFLICT REPLACE, v TEXT);',
    expect: { blockers: [{ kind: 'unique-violation', object: 't', count: 2 }] },
  },
  {
    name: 'promoting a column holding text to INTEGER PRIMARY KEY is a type blocker',
    source: 'sqlite-utils transform(pk="id") over messy imported CSV data',
    before: 'CREATE TABLE t (id INTEGER, v TEXT);',
    rows: "INSERT INTO t VALUES (1, 'a'), ('abc', 'b'), (3, NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);',
    expect: { blockers: [{ kind: 'type-mismatch', object: 't.id', count: 1 }] },
  },
  {
    name: 'promoting a column holding NULLs to INTEGER PRIMARY KEY says the NULLs get new ids',
    source: 'sqlite.org/lang_createtable.html#rowid (NULL into an INTEGER PRIMARY KEY picks a new rowid)',
    before: 'CREATE TABLE t (id INTEGER, v TEXT);',
    rows: "INSERT INTO t VALUES (5, 'a'), (NULL, 'b');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);',
    // SQLite gives a NULL INTEGER PRIMARY KEY a new id, like a DEFAULT: the plan warns with the count.
    expect: 'converges',
    key: { t: 'v' },
    unchecked: ['t.id'],
    checks: [
      {
        sql: 'SELECT id, v FROM t ORDER BY v',
        rows: [
          { id: 5, v: 'a' },
          { id: 6, v: 'b' },
        ],
      },
    ],
  },

  // ----- Foreign keys the checks get wrong -----------------------------------------------------------------
  {
    name: 'a REFERENCES without a column list points at a TEXT primary key',
    source: 'REFERENCES parent (no column list = parent primary key; sqlite.org/foreignkeys.html)',
    before: `
      CREATE TABLE currency (code TEXT PRIMARY KEY, name TEXT);
      CREATE TABLE price (id INTEGER PRIMARY KEY, currency TEXT, amount INTEGER);`,
    rows: "INSERT INTO currency VALUES ('EUR', 'Euro'), ('JPY', '円'); INSERT INTO price VALUES (1, 'EUR', 5), (2, 'JPY', 900), (3, NULL, 0);",
    after: `
      CREATE TABLE currency (code TEXT PRIMARY KEY, name TEXT);
      CREATE TABLE price (id INTEGER PRIMARY KEY, currency TEXT REFERENCES currency, amount INTEGER);`,
    expect: 'converges',
  },
  {
    name: 'a new foreign key to a lookup table created empty in the same migration',
    source: 'normalising a status column into a lookup table (Drizzle/Prisma enums emulated with tables)',
    before: 'CREATE TABLE task (id INTEGER PRIMARY KEY, status TEXT);',
    rows: "INSERT INTO task VALUES (1, 'open'), (2, 'done'), (3, NULL);",
    after: `
      CREATE TABLE status (name TEXT PRIMARY KEY);
      CREATE TABLE task (id INTEGER PRIMARY KEY, status TEXT REFERENCES status(name));`,
    expect: { blockers: [{ kind: 'foreign-key-violation', object: 'task', count: 2 }] },
  },
  {
    name: 'fixing a foreign-key mismatch by making the parent column UNIQUE',
    source:
      'sqlite-utils test: foreign key mismatch - "books" referencing "authors"; legacy schemas with FKs off',
    before: `
      CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT REFERENCES parent(code));`,
    // Written while foreign keys were off: with them on, SQLite refuses any write to child.
    rows: "PRAGMA foreign_keys = OFF; INSERT INTO parent VALUES (1, 'a'), (2, 'b'); INSERT INTO child VALUES (1, 'a'), (2, NULL); PRAGMA foreign_keys = ON;",
    after: `
      CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT REFERENCES parent(code));`,
    expect: 'converges',
  },
  {
    name: 'dropping a parent table while a kept child still references it',
    source: 'drizzle-team/drizzle-orm#1813 (FOREIGN KEY constraint failed on push)',
    before: `
      CREATE TABLE project (id INTEGER PRIMARY KEY);
      CREATE TABLE doc (id INTEGER PRIMARY KEY, project_id INTEGER REFERENCES project(id));`,
    rows: 'INSERT INTO project VALUES (1); INSERT INTO doc VALUES (1, 1), (2, NULL);',
    after: 'CREATE TABLE doc (id INTEGER PRIMARY KEY, project_id INTEGER REFERENCES project(id));',
    options: { allowDataLoss: true },
    expect: { blockers: [{ kind: 'foreign-key-violation', object: 'doc', count: 1 }] },
  },
  {
    name: 'a desired foreign key to a parent column that is not unique',
    source:
      'sqlite.org/foreignkeys.html §3 (parent key must be PRIMARY KEY or UNIQUE: "foreign key mismatch")',
    before: `
      CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT);`,
    rows: "INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (1, 'a');",
    after: `
      CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT REFERENCES parent(code));`,
    expect: { planError: 'schema-invalid' },
  },

  // ----- NOT NULL, CHECK, types ------------------------------------------------------------------------
  {
    name: 'NOT NULL with a DEFAULT fills the NULL rows',
    source: 'DESIGN data-loss policy exception; atlas cli-migrate-lint-modify-nullability',
    before: "CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT DEFAULT 'new', n INTEGER);",
    rows: "INSERT INTO t VALUES (1, NULL, 1), (2, 'old', NULL), (3, NULL, 3);",
    after: "CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT NOT NULL DEFAULT 'new', n INTEGER);",
    expect: 'converges',
    unchecked: ['t.status'],
    checks: [
      {
        sql: 'SELECT status FROM t ORDER BY id',
        rows: [{ status: 'new' }, { status: 'old' }, { status: 'new' }],
      },
    ],
  },
  {
    name: 'NOT NULL without a DEFAULT over NULLs is a blocker',
    source: 'atlas cli-migrate-lint-add-notnull; prisma "Made the column required"',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, phone TEXT);',
    rows: "INSERT INTO t VALUES (1, NULL, NULL), (2, 'a', NULL), (3, NULL, '1');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT NOT NULL, phone TEXT NOT NULL);',
    expect: {
      blockers: [
        { kind: 'not-null-violation', object: 't.email', count: 2 },
        { kind: 'not-null-violation', object: 't.phone', count: 2 },
      ],
    },
  },
  {
    name: 'a new NOT NULL column without a DEFAULT on a table with rows is a blocker',
    source: 'knex/kysely addColumn(...).notNullable() on a non-empty SQLite table',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY);',
    rows: 'INSERT INTO t VALUES (1), (2), (3);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, owner TEXT NOT NULL);',
    expect: { blockers: [{ kind: 'not-null-violation', object: 't.owner', count: 3 }] },
  },
  {
    name: 'a clean TEXT → INTEGER type change converts the values',
    source: 'sqlite-utils transform(types={"age": int}); prisma String → Int',
    before: 'CREATE TABLE dogs (id INTEGER PRIMARY KEY, age TEXT, weight TEXT);',
    rows: "INSERT INTO dogs VALUES (1, '5', '1.5'), (2, NULL, 'n/a'), (3, '9007199254740993', '0.25');",
    after: 'CREATE TABLE dogs (id INTEGER PRIMARY KEY, age INTEGER, weight REAL);',
    expect: 'converges',
    unchecked: ['dogs.age', 'dogs.weight'],
    checks: [
      {
        sql: 'SELECT quote(age) AS a, quote(weight) AS w FROM dogs ORDER BY id',
        rows: [
          { a: '5', w: '1.5' },
          { a: 'NULL', w: "'n/a'" },
          { a: '9007199254740993', w: '0.25' },
        ],
      },
    ],
  },
  {
    name: 'a TEXT → REAL change over whole numbers keeps their values',
    source: 'sqlite-utils transform(types={"weight": float}); prisma String → Float',
    before: 'CREATE TABLE dogs (id INTEGER PRIMARY KEY, weight TEXT);',
    rows: "INSERT INTO dogs VALUES (1, '2'), (2, '1.5'), (3, NULL);",
    after: 'CREATE TABLE dogs (id INTEGER PRIMARY KEY, weight REAL);',
    expect: 'converges',
    unchecked: ['dogs.weight'],
    checks: [
      {
        sql: 'SELECT quote(weight) AS w FROM dogs ORDER BY id',
        rows: [{ w: '2.0' }, { w: '1.5' }, { w: 'NULL' }],
      },
    ],
  },
  {
    name: 'a TEXT → INTEGER change that would strip leading zeros is a data-loss blocker',
    source: 'zip codes and phone numbers stored as text (classic affinity loss)',
    before: 'CREATE TABLE addr (id INTEGER PRIMARY KEY, zip TEXT);',
    rows: "INSERT INTO addr VALUES (1, '02134'), (2, '90210'), (3, 'n/a'), (4, '007'), (5, NULL);",
    after: 'CREATE TABLE addr (id INTEGER PRIMARY KEY, zip INTEGER);',
    expect: { blockers: [{ kind: 'data-loss', object: 'addr.zip', count: 2 }] },
  },
  {
    name: 'a type change that makes two UNIQUE values equal must not delete a row',
    source: 'TEXT → INTEGER under UNIQUE ON CONFLICT REPLACE (allowDataLoss for the lossy values)',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE ON CONFLICT REPLACE);',
    rows: "INSERT INTO t VALUES (1, '1'), (2, '01'), (3, 'x');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER UNIQUE ON CONFLICT REPLACE);',
    options: { allowDataLoss: true },
    expect: { blockers: [{ kind: 'unique-violation', object: 't', count: 2 }] },
  },
  {
    name: 'a CHECK added over rows that satisfy it, and a DEFAULT expression with CURRENT_TIMESTAMP',
    source: 'Prisma/Drizzle `createdAt DEFAULT CURRENT_TIMESTAMP`; Django CheckConstraint',
    before: 'CREATE TABLE booking (id INTEGER PRIMARY KEY, starts TEXT, ends TEXT);',
    rows: "INSERT INTO booking VALUES (1, '2024-01-01', '2024-01-02'), (2, NULL, NULL), (3, '2024-05-05', '2024-05-05');",
    after: `CREATE TABLE booking (id INTEGER PRIMARY KEY, starts TEXT, ends TEXT,
      created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT ordered CHECK (ends >= starts));`,
    expect: 'converges',
  },

  // ----- Drops, renames and their hints ------------------------------------------------------------------
  {
    name: 'dropping a table that holds rows is a data-loss blocker; an empty one goes quietly',
    source: 'atlas cli-migrate-lint-destructive (DS102 drop table with data)',
    before:
      'CREATE TABLE old_logs (id INTEGER PRIMARY KEY, msg TEXT); CREATE TABLE empty_one (id INTEGER PRIMARY KEY); CREATE TABLE keep (id INTEGER PRIMARY KEY);',
    rows: "INSERT INTO old_logs VALUES (1, 'a'), (2, NULL), (3, 'ç'); INSERT INTO keep VALUES (1);",
    after: 'CREATE TABLE keep (id INTEGER PRIMARY KEY);',
    expect: { blockers: [{ kind: 'data-loss', object: 'old_logs', count: 3 }] },
  },
  {
    name: 'a dropped column with a same-typed new column is a possible-rename blocker',
    source: 'sqldef / drizzle-kit rename prompts ("is name created or renamed from another column?")',
    before: 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);',
    rows: "INSERT INTO people VALUES (1, 'Ada'), (2, NULL), (3, 'Zoë');",
    after: 'CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT);',
    expect: { blockers: [{ kind: 'possible-rename', object: 'people.name', count: 2 }] },
  },
  {
    name: 'a dropped table with an identical new table is a possible-rename blocker',
    source: 'drizzle-kit "is table created or renamed" prompt',
    before: 'CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT);',
    rows: "INSERT INTO logs VALUES (1, 'a'), (2, NULL);",
    after: 'CREATE TABLE events (id INTEGER PRIMARY KEY, msg TEXT);',
    expect: { blockers: [{ kind: 'possible-rename', object: 'logs', count: 2 }] },
  },
  {
    name: 'a table rename hint written after a one-line CREATE TABLE',
    source: 'sqldef `-- @renamed from=old` hints; one-line CREATE TABLE statements',
    before: 'CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT);',
    rows: "INSERT INTO logs VALUES (1, 'a'), (2, NULL);",
    after: 'CREATE TABLE events (id INTEGER PRIMARY KEY, msg TEXT); -- @renamed from=logs',
    expect: 'converges',
  },
  {
    name: 'renaming a table to archive it and creating a new table under the old name',
    source: 'log rotation / archive pattern (ALTER TABLE logs RENAME TO logs_2024; CREATE TABLE logs …)',
    before: 'CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT);',
    rows: "INSERT INTO logs VALUES (1, 'a'), (2, NULL), (3, 'ü');",
    after: `
      CREATE TABLE logs_archive ( -- @renamed from=logs
        id INTEGER PRIMARY KEY, msg TEXT);
      CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT, level INTEGER);`,
    expect: 'converges',
    checks: [
      { sql: 'SELECT count(*) AS n FROM logs_archive', rows: [{ n: 3 }] },
      { sql: 'SELECT count(*) AS n FROM logs', rows: [{ n: 0 }] },
    ],
  },
  {
    name: 'swapping two columns’ names with explicit renames',
    source: 'sqldef swap renames; renameSteps’ two-phase temporaries',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, first TEXT, last TEXT);',
    rows: "INSERT INTO t VALUES (1, 'Lovelace', 'Ada'), (2, NULL, 'Grace');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, last TEXT, first TEXT);',
    options: { renames: { columns: { 't.first': 'last', 't.last': 'first' } } },
    oneShot: true,
    expect: 'converges',
    checks: [{ sql: 'SELECT first, last FROM t WHERE id = 1', rows: [{ first: 'Ada', last: 'Lovelace' }] }],
  },
  {
    name: 'a column named rowid keeps the real rowids through a rebuild',
    source: 'simonw/sqlite-utils PR #593 (tables that have a column called rowid)',
    before: 'CREATE TABLE t (rowid TEXT, v TEXT); CREATE VIRTUAL TABLE t_fts USING fts4(content="t", v);',
    rows: `INSERT INTO t (_rowid_, rowid, v) VALUES (5, 'r1', 'alpha'), (9, 'r2', 'beta'), (12, NULL, NULL);
      INSERT INTO t_fts (t_fts) VALUES ('rebuild');`,
    after: `CREATE TABLE t (rowid TEXT, v TEXT NOT NULL DEFAULT '');
      CREATE VIRTUAL TABLE t_fts USING fts4(content="t", v);`,
    expect: 'converges',
    key: { t: '_rowid_' },
    unchecked: ['t.v'],
    checks: [{ sql: 'SELECT _rowid_ AS r FROM t ORDER BY 1', rows: [{ r: 5 }, { r: 9 }, { r: 12 }] }],
  },
  {
    name: 'a view with a CTE that reads the clock',
    source: "\"recent items\" views: WITH cutoff AS (SELECT datetime('now', '-1 day'))",
    before: 'CREATE TABLE item (id INTEGER PRIMARY KEY, at TEXT);',
    rows: "INSERT INTO item VALUES (1, '2000-01-01'), (2, '2999-01-01'), (3, NULL);",
    after: `CREATE TABLE item (id INTEGER PRIMARY KEY, at TEXT);
      CREATE VIEW recent AS WITH cutoff AS (SELECT datetime('now', '-1 day') AS t)
        SELECT item.* FROM item, cutoff WHERE item.at > cutoff.t;`,
    expect: 'converges',
    checks: [{ sql: 'SELECT id FROM recent', rows: [{ id: 2 }] }],
  },

  // ----- More combinations -------------------------------------------------------------------------------
  {
    name: 'a plain column turned into a generated one would discard the values it holds',
    source: 'Rails t.virtual / Drizzle generatedAlwaysAs replacing a column that was filled by the app',
    before: 'CREATE TABLE person (id INTEGER PRIMARY KEY, first TEXT, last TEXT, full_name TEXT);',
    rows: "INSERT INTO person VALUES (1, 'Ada', 'Lovelace', 'Countess Ada Lovelace'), (2, 'Grace', 'Hopper', NULL);",
    after: `CREATE TABLE person (id INTEGER PRIMARY KEY, first TEXT, last TEXT,
      full_name TEXT GENERATED ALWAYS AS (first || ' ' || last) VIRTUAL);`,
    expect: { blockers: [{ kind: 'data-loss', object: 'person.full_name', count: 1 }] },
  },
  {
    name: 'a generated column turned into a plain one keeps its computed values',
    source: 'dropping a generated expression but keeping the data (Rails change_column from virtual)',
    before: 'CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, upper_name TEXT AS (upper(name)));',
    rows: "INSERT INTO person (id, name) VALUES (1, 'ada'), (2, NULL), (3, 'ßtraße');",
    after: 'CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, upper_name TEXT);',
    expect: 'converges',
    checks: [
      {
        sql: 'SELECT quote(upper_name) AS u FROM person ORDER BY id',
        rows: [{ u: "'ADA'" }, { u: 'NULL' }, { u: "'ßTRAßE'" }],
      },
    ],
  },
  {
    name: 'a UNIQUE on a generated column over rows whose values differ',
    source: 'case-insensitive uniqueness through a generated lower(email) column',
    before:
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, email_ci TEXT AS (lower(email)) VIRTUAL);',
    rows: "INSERT INTO users (id, email) VALUES (1, 'Ann@x'), (2, 'bob@x'), (3, NULL), (4, 'Zoë@x');",
    after:
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, email_ci TEXT AS (lower(email)) VIRTUAL UNIQUE);',
    expect: 'converges',
  },
  {
    name: 'a CHECK on a generated column over rows that violate it',
    source: 'CHECK constraints over generated columns (sqlite.org/gencol.html)',
    before:
      'CREATE TABLE line (id INTEGER PRIMARY KEY, qty INTEGER, price INTEGER, total INTEGER AS (qty * price));',
    rows: 'INSERT INTO line (id, qty, price) VALUES (1, 2, 5), (2, -1, 5), (3, NULL, 1);',
    after: `CREATE TABLE line (id INTEGER PRIMARY KEY, qty INTEGER, price INTEGER, total INTEGER AS (qty * price),
      CHECK (total >= 0));`,
    expect: { blockers: [{ kind: 'check-violation', object: 'line', count: 1 }] },
  },
  {
    name: 'SET NOT NULL in place, filling NULLs with the DEFAULT',
    source: 'SQLite 3.53+ ALTER TABLE … ALTER COLUMN … SET NOT NULL; atlas modify-nullability',
    before: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'x', w TEXT NOT NULL);",
    rows: "INSERT INTO t VALUES (1, NULL, 'a'), (2, 'b', 'ü'), (3, NULL, '');",
    after: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'x' NOT NULL, w TEXT);",
    expect: 'converges',
    unchecked: ['t.v'],
    checks: [{ sql: 'SELECT v FROM t ORDER BY id', rows: [{ v: 'x' }, { v: 'b' }, { v: 'x' }] }],
  },
  {
    name: 'a column rename and a column drop in place, under a partial index on the renamed column',
    source: 'drizzle-kit generate: RENAME COLUMN + DROP COLUMN in one migration',
    before: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT);
      CREATE INDEX t_a ON t (a) WHERE c IS NOT NULL;`,
    rows: "INSERT INTO t VALUES (1, 'a', 'b', 'c'), (2, NULL, NULL, NULL), (3, 'ä', 'b', NULL);",
    after: `CREATE TABLE t (id INTEGER PRIMARY KEY, a2 TEXT, c TEXT);
      CREATE INDEX t_a ON t (a2) WHERE c IS NOT NULL;`,
    options: { renames: { columns: { 't.a': 'a2' } }, allowDataLoss: true },
    expect: 'converges',
  },
  {
    name: 'a column renamed and retyped at once, under a CHECK that names it',
    source: 'prisma @map rename + type change (RedefineTables with a renamed column)',
    before: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT CHECK (a <> ''), b TEXT);",
    rows: "INSERT INTO t VALUES (1, '5', 'b'), (2, NULL, NULL), (3, '70', 'ø');",
    after: "CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty <> ''), b TEXT);",
    options: { renames: { columns: { 't.a': 'qty' } } },
    expect: 'converges',
    unchecked: ['t.a'],
    checks: [
      { sql: 'SELECT quote(qty) AS q FROM t ORDER BY id', rows: [{ q: '5' }, { q: 'NULL' }, { q: '70' }] },
    ],
  },
  {
    name: 'a table renamed and rebuilt at once, with its child, a view and a trigger',
    source: 'prisma @@map rename + field change; sqldef rename hints',
    before: `
      CREATE TABLE p (id INTEGER PRIMARY KEY, n TEXT);
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE CASCADE);
      CREATE VIEW pv AS SELECT * FROM p;
      CREATE TRIGGER ct AFTER INSERT ON c BEGIN UPDATE p SET n = 'touched' WHERE id = NEW.pid; END;`,
    rows: `INSERT INTO p VALUES (1, 'a'), (2, NULL); INSERT INTO c VALUES (1, 1), (2, 2), (3, NULL);
      UPDATE p SET n = NULL WHERE id = 2;`,
    after: `
      CREATE TABLE parent (id INTEGER PRIMARY KEY, n TEXT NOT NULL DEFAULT '');
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id) ON DELETE CASCADE);
      CREATE VIEW pv AS SELECT * FROM parent;
      CREATE TRIGGER ct AFTER INSERT ON c BEGIN UPDATE parent SET n = 'touched' WHERE id = NEW.pid; END;`,
    options: { renames: { tables: { p: 'parent' } } },
    expect: 'converges',
    unchecked: ['p.n'],
    checks: [
      { sql: 'SELECT quote(n) AS n FROM pv ORDER BY id', rows: [{ n: "'touched'" }, { n: "''" }] },
      { sql: 'INSERT INTO c VALUES (4, 2)' },
      { sql: 'SELECT n FROM pv WHERE id = 2', rows: [{ n: 'touched' }] },
      { sql: 'SELECT count(*) AS n FROM c', rows: [{ n: 4 }] },
    ],
  },
  {
    name: 'renaming a WITHOUT ROWID table and one of its columns',
    source: 'key-value stores (WITHOUT ROWID) renamed by an app upgrade',
    before: 'CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;',
    rows: "INSERT INTO kv VALUES ('a', X'00'), ('ключ', NULL), ('', X'FFFF');",
    after: 'CREATE TABLE store (k TEXT PRIMARY KEY, val BLOB) WITHOUT ROWID;',
    options: { renames: { tables: { kv: 'store' }, columns: { 'kv.v': 'val' } } },
    expect: 'converges',
  },
  {
    name: 'renaming an FTS4 table keeps its index',
    source: 'ALTER TABLE … RENAME on a virtual table (xRename renames the shadow tables)',
    before: 'CREATE VIRTUAL TABLE notes USING fts4(body);',
    rows: "INSERT INTO notes VALUES ('hello world'), ('grüß gott'), (NULL);",
    after: 'CREATE VIRTUAL TABLE memos USING fts4(body);',
    options: { renames: { tables: { notes: 'memos' } } },
    expect: 'converges',
    checks: [{ sql: "SELECT rowid AS r FROM memos WHERE memos MATCH 'hello'", rows: [{ r: 1 }] }],
  },
  {
    name: 'moving the INTEGER PRIMARY KEY to another column',
    source: 'sqlite-utils transform(pk="code") on a table with an id primary key',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER, v TEXT);',
    rows: "INSERT INTO t VALUES (1, 100, 'a'), (2, 200, NULL), (3, -9223372036854775808, 'ü');",
    after: 'CREATE TABLE t (id INTEGER, code INTEGER PRIMARY KEY, v TEXT);',
    key: { t: 'id' },
    expect: 'converges',
  },
  {
    name: 'adding a column to a table whose stored CREATE ends in a comment',
    source: 'hand-written schemas with trailing -- comments (ALTER TABLE ADD COLUMN appends after them)',
    before: `CREATE TABLE t (id INTEGER PRIMARY KEY, -- the id
      v TEXT -- a ) in a comment
    );`,
    rows: "INSERT INTO t VALUES (1, 'a'), (2, NULL);",
    after:
      'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, w TEXT DEFAULT \'--\', "x;y" INTEGER DEFAULT -1);',
    expect: 'converges',
    checks: [{ sql: 'SELECT w, "x;y" AS x FROM t WHERE id = 1', rows: [{ w: '--', x: -1 }] }],
  },

  {
    name: 'a trigger that names a column called end',
    source: 'calendar schemas with start/end columns (END is a keyword SQLite accepts as a column name)',
    before: `
      CREATE TABLE events (id INTEGER PRIMARY KEY, start TEXT, end TEXT);
      CREATE TABLE log (id INTEGER PRIMARY KEY, start TEXT, end TEXT);`,
    rows: "INSERT INTO events VALUES (1, '09:00', '10:00'), (2, NULL, NULL);",
    after: `
      CREATE TABLE events (id INTEGER PRIMARY KEY, start TEXT, end TEXT);
      CREATE TABLE log (id INTEGER PRIMARY KEY, start TEXT, end TEXT);
      CREATE TRIGGER events_log AFTER INSERT ON events BEGIN
        INSERT INTO log (start, end) VALUES (NEW.start, NEW.end);
      END;`,
    expect: 'converges',
    checks: [
      { sql: "INSERT INTO events VALUES (3, '11:00', '12:00')" },
      { sql: 'SELECT "end" FROM log', rows: [{ end: '12:00' }] },
    ],
  },

  // ----- Big schema ------------------------------------------------------------------------------------
  {
    name: 'a 120-table chain of cascading children where only the root changes',
    source: 'big schemas (DESIGN bench: 300-table plan); cascade chains',
    before: chain(120, ''),
    rows: chainRows(120),
    after: chain(120, ", kind TEXT NOT NULL DEFAULT 'x' CHECK (kind <> '')"),
    expect: 'converges',
    checks: [{ sql: 'SELECT count(*) AS n FROM t119', rows: [{ n: 3 }] }],
  },
];
