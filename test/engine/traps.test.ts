/**
 * The traps of a table rebuild (DESIGN: Tests), each with rows present. Every test here fails on a
 * migrator that does the naive thing.
 */
import { describe, expect, it } from 'vitest';
import { applyPlan, planMigration } from '../../src/engine/index.ts';
import { count, migrate, openDb } from './helpers.ts';

const PARENT = `
  CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE, note TEXT);
  CREATE TABLE grandchild (id INTEGER PRIMARY KEY, child_id INTEGER REFERENCES child (id) ON DELETE CASCADE);
`;
const PARENT_ROWS = `
  INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c');
  INSERT INTO child VALUES (10, 1, 'x'), (11, 1, 'y'), (12, 2, 'z'), (13, 3, NULL);
  INSERT INTO grandchild VALUES (100, 10), (101, 11), (102, 13);
`;

describe('rebuild traps', () => {
  it('keeps ON DELETE CASCADE children when the parent is rebuilt with foreign keys on', async () => {
    const conn = await openDb(PARENT + PARENT_ROWS);
    const { plan } = migrate(conn, PARENT.replace('name TEXT', "name TEXT NOT NULL DEFAULT ''"));
    expect(plan.steps.map((s) => s.kind)).toContain('rebuild-table');
    expect([count(conn, 'parent'), count(conn, 'child'), count(conn, 'grandchild')]).toEqual([3, 4, 3]);
    expect(conn.query('PRAGMA foreign_keys')[0]?.foreign_keys).toBe(1);
    // The cascade still works afterwards.
    conn.exec('DELETE FROM parent WHERE id = 1');
    expect([count(conn, 'child'), count(conn, 'grandchild')]).toEqual([2, 1]);
  });

  it('keeps the children when the child table itself is rebuilt', async () => {
    const conn = await openDb(PARENT + PARENT_ROWS);
    migrate(conn, PARENT.replace('note TEXT', 'note TEXT COLLATE NOCASE'));
    expect([count(conn, 'child'), count(conn, 'grandchild')]).toEqual([4, 3]);
  });

  it('recreates triggers after the copy, so they neither fire on copied rows nor disappear', async () => {
    const schema = `
      CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
      CREATE TABLE log (what TEXT);
      CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('insert ' || NEW.id); END;
      CREATE TRIGGER t_del BEFORE DELETE ON t BEGIN INSERT INTO log VALUES ('delete ' || OLD.id); END;`;
    const conn = await openDb(schema);
    conn.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b'); DELETE FROM log;");
    migrate(conn, schema.replace('v TEXT', "v TEXT NOT NULL DEFAULT ''"));
    expect(count(conn, 'log')).toBe(0);
    conn.exec("INSERT INTO t VALUES (3, 'c'); DELETE FROM t WHERE id = 1;");
    expect(conn.query('SELECT what FROM log').map((r) => r.what)).toEqual(['insert 3', 'delete 1']);
  });

  it('keeps views over the rebuilt table (and views over those views) working', async () => {
    const schema = `
      CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
      CREATE VIEW tv AS SELECT id, v FROM t WHERE v IS NOT NULL;
      CREATE VIEW tvv AS SELECT count(*) AS n FROM tv;`;
    const conn = await openDb(schema);
    conn.exec("INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c');");
    migrate(conn, schema.replace('v TEXT)', 'v TEXT, w INTEGER DEFAULT (1 + 1))'));
    expect(conn.query('SELECT n FROM tvv')[0]?.n).toBe(2);
  });

  it('carries the AUTOINCREMENT counter over, so deleted ids are never reused', async () => {
    const schema = 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);';
    const conn = await openDb(schema);
    conn.exec("INSERT INTO t (v) VALUES ('a'), ('b'), ('c'); DELETE FROM t WHERE id = 3;");
    migrate(conn, schema.replace('v TEXT', "v TEXT NOT NULL DEFAULT ''"));
    conn.exec("INSERT INTO t (v) VALUES ('d')");
    expect(conn.query('SELECT max(id) AS m FROM t')[0]?.m).toBe(4);
  });

  it('recreates UNIQUE, partial and expression indexes, which still enforce', async () => {
    const schema = `
      CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE, active INTEGER, name TEXT);
      CREATE UNIQUE INDEX t_active_name ON t (name) WHERE active = 1;
      CREATE UNIQUE INDEX t_lower ON t (lower(email));`;
    const conn = await openDb(schema);
    conn.exec("INSERT INTO t VALUES (1, 'a@x', 1, 'ann'), (2, 'b@x', 0, 'ann'), (3, NULL, 1, 'bob');");
    migrate(conn, schema.replace('name TEXT', 'name TEXT COLLATE BINARY'));
    expect(() => conn.exec("INSERT INTO t VALUES (4, 'A@X', 0, 'z')")).toThrow(/UNIQUE/);
    expect(() => conn.exec("INSERT INTO t VALUES (5, 'c@x', 1, 'ann')")).toThrow(/UNIQUE/);
    conn.exec("INSERT INTO t VALUES (6, 'd@x', 0, 'ann')");
  });

  it('renames a column inside a rebuild and keeps its values', async () => {
    const conn = await openDb('CREATE TABLE t (id INTEGER PRIMARY KEY, username VARCHAR(50));');
    conn.exec("INSERT INTO t VALUES (1, 'ann'), (2, 'bob');");
    const { plan } = migrate(
      conn,
      'CREATE TABLE t (id INTEGER PRIMARY KEY, user_name TEXT NOT NULL -- @renamed from=username\n);',
    );
    expect(plan.steps.map((s) => s.kind)).toEqual(['rename-column', 'rebuild-table']);
    expect(conn.query('SELECT user_name FROM t ORDER BY id').map((r) => r.user_name)).toEqual(['ann', 'bob']);
  });

  it('renames a column of an indexed table inside a rebuild (regression: the plan did not converge)', async () => {
    const conn = await openDb(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, done INTEGER, due TEXT); CREATE INDEX t_i ON t (id);',
    );
    conn.exec("INSERT INTO t VALUES (1, NULL, '2026-01-01');");
    migrate(
      conn,
      'CREATE TABLE t (id INTEGER PRIMARY KEY, done INTEGER NOT NULL DEFAULT 0, due_at TEXT -- @renamed from=due\n); CREATE INDEX t_i ON t (id);',
    );
    expect(conn.query('SELECT done, due_at FROM t')).toEqual([{ done: 0, due_at: '2026-01-01' }]);
  });

  it('fills NULLs with the DEFAULT when a column becomes NOT NULL, and says how many', async () => {
    const conn = await openDb('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);');
    conn.exec('INSERT INTO t VALUES (1, 5), (2, NULL), (3, NULL);');
    const { plan } = migrate(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);');
    expect(plan.warnings).toMatchObject([{ kind: 'fill-default', count: 2 }]);
    expect(conn.query('SELECT n FROM t ORDER BY id').map((r) => r.n)).toEqual([5, 0, 0]);
  });

  it('adds NOT NULL + DEFAULT and STORED columns to a non-empty table', async () => {
    const conn = await openDb('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);');
    conn.exec('INSERT INTO t VALUES (1, 2), (2, 3);');
    migrate(
      conn,
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT NOT NULL DEFAULT '-', c INTEGER AS (a * 10) STORED);",
    );
    expect(conn.query('SELECT b, c FROM t ORDER BY id')).toEqual([
      { b: '-', c: 20 },
      { b: '-', c: 30 },
    ]);
  });

  it('drops an indexed column and a column that a foreign key references', async () => {
    const before = `
      CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE, extra TEXT);
      CREATE INDEX p_extra ON p (extra);
      CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p (code));`;
    const conn = await openDb(before);
    conn.exec("INSERT INTO p VALUES (1, 'a', 'x'), (2, 'b', 'y'); INSERT INTO c VALUES (1, 'a'), (2, 'b');");
    const after = `
      CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT);`;
    expect(planMigration(conn, after).blockers.map((b) => [b.kind, b.object, b.count])).toEqual([
      ['data-loss', 'p.code', 2],
      ['data-loss', 'p.extra', 2],
    ]);
    migrate(conn, after, { allowDataLoss: true });
    expect([count(conn, 'p'), count(conn, 'c')]).toEqual([2, 2]);
    expect(conn.query('SELECT code FROM c ORDER BY id').map((r) => r.code)).toEqual(['a', 'b']);
  });

  it('leaves FTS shadow tables alone and keeps the full-text rows', async () => {
    const schema = `
      CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);
      CREATE VIRTUAL TABLE notes_fts USING fts4(title, body);`;
    const conn = await openDb(schema);
    conn.exec(
      "INSERT INTO notes VALUES (1, 'a'); INSERT INTO notes_fts (title, body) VALUES ('hello', 'world'), ('bye', 'moon');",
    );
    const { plan } = migrate(conn, schema.replace('title TEXT)', "title TEXT NOT NULL DEFAULT '')"));
    expect(plan.steps.map((s) => s.object)).toEqual(['notes']);
    expect(conn.query("SELECT title FROM notes_fts WHERE notes_fts MATCH 'world'")).toEqual([
      { title: 'hello' },
    ]);
    // Changing the virtual table itself would delete its rows: blocked unless allowed.
    const changed = planMigration(conn, schema.replace('fts4(title, body)', 'fts4(title, body, tags)'));
    expect(changed.blockers).toMatchObject([{ kind: 'data-loss', object: 'notes_fts', count: 2 }]);
  });

  it('recreates an external-content FTS table without data loss and rebuilds its index', async () => {
    const v1 = `CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
      CREATE VIRTUAL TABLE notes_fts USING fts4(content="notes", title, body);`;
    const conn = await openDb(
      `${v1} INSERT INTO notes VALUES (1, 'a', 'zebra'), (2, 'b', 'lion');
      INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');`,
    );
    const v2 = v1.replace('fts4(content="notes", title, body)', "fts4(content='notes', body)");
    const { plan } = migrate(conn, v2);
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'rebuild-fts-index', object: 'notes_fts' });
    expect(conn.query("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'lion'")).toEqual([{ rowid: 2 }]);
    expect(count(conn, 'notes')).toBe(2);

    // A column becoming INTEGER PRIMARY KEY gives the content rows new rowids: the index follows.
    const content = await openDb(
      `CREATE TABLE notes (n INTEGER, body TEXT);
      CREATE VIRTUAL TABLE notes_fts USING fts4(content=notes, body);
      INSERT INTO notes VALUES (10, 'zebra'), (20, 'lion');
      INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');`,
    );
    migrate(
      content,
      `CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT);
      CREATE VIRTUAL TABLE notes_fts USING fts4(content=notes, body);`,
    );
    expect(content.query("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'lion'")).toEqual([
      { rowid: 20 },
    ]);

    // A new external-content table over existing rows starts indexed.
    const fresh = await openDb(
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (5, 'owl');",
    );
    migrate(
      fresh,
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); CREATE VIRTUAL TABLE notes_fts USING fts4(content="notes", body);',
    );
    expect(fresh.query("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'owl'")).toEqual([{ rowid: 5 }]);
  });

  it('fills NULLs with a DEFAULT written as a word or a quoted word as text, never another column', async () => {
    const conn = await openDb(
      `CREATE TABLE accounts (id INTEGER PRIMARY KEY, active INTEGER, pending INTEGER, status TEXT, state TEXT, flag INTEGER);
      INSERT INTO accounts VALUES (1, 1, 7, 'active', 'done', 0), (2, 0, 8, NULL, NULL, NULL);`,
    );
    const { plan } = migrate(
      conn,
      `CREATE TABLE accounts (id INTEGER PRIMARY KEY, active INTEGER, pending INTEGER,
        status TEXT NOT NULL DEFAULT "active", state TEXT NOT NULL DEFAULT pending, flag INTEGER NOT NULL DEFAULT TRUE);`,
    );
    expect(plan.warnings.filter((w) => w.kind === 'fill-default')).toHaveLength(3);
    expect(conn.query('SELECT status, state, flag FROM accounts WHERE id = 2')).toEqual([
      { status: 'active', state: 'pending', flag: 1 },
    ]);
    conn.exec('INSERT INTO accounts (id) VALUES (3)');
    expect(conn.query('SELECT status, state, flag FROM accounts WHERE id = 3')).toEqual([
      { status: 'active', state: 'pending', flag: 1 },
    ]);

    // Only NOT NULL changes: SQLite ≥ 3.53 sets it in place after an UPDATE of the NULLs.
    const inPlace = await openDb(
      `CREATE TABLE t (id INTEGER PRIMARY KEY, active INTEGER, status TEXT DEFAULT "active");
      INSERT INTO t VALUES (1, 0, NULL);`,
    );
    const alter = migrate(
      inPlace,
      'CREATE TABLE t (id INTEGER PRIMARY KEY, active INTEGER, status TEXT DEFAULT "active" NOT NULL);',
    );
    expect(alter.plan.steps.map((s) => s.kind)).toEqual(['alter-column']);
    expect(inPlace.query('SELECT status FROM t')).toEqual([{ status: 'active' }]);
  });

  it('handles identifiers with quotes, spaces, keywords and non-ASCII', async () => {
    const before = `
      CREATE TABLE "my ""odd"" table" ("select" INTEGER PRIMARY KEY, "naïve café" TEXT, [order] INTEGER, "日本" TEXT);
      CREATE INDEX "idx ""x""" ON "my ""odd"" table" ("naïve café");
      CREATE VIEW "view 1" AS SELECT "select", "日本" FROM "my ""odd"" table";
      CREATE TRIGGER "trg ""1""" AFTER INSERT ON "my ""odd"" table" BEGIN SELECT 1; END;`;
    const conn = await openDb(before);
    conn.exec(`INSERT INTO "my ""odd"" table" VALUES (1, 'crème', 2, 'はい'), (2, NULL, NULL, 'いいえ');`);
    const after = before
      .replace('[order] INTEGER', '[order] INTEGER NOT NULL DEFAULT 0')
      .replace('"日本" TEXT)', '"日本" TEXT, "new col" TEXT DEFAULT \'ü\')');
    migrate(conn, after);
    expect(
      conn.query(
        `SELECT "naïve café" AS a, "order" AS o, "日本" AS j, "new col" AS n FROM "my ""odd"" table" ORDER BY 1`,
      ),
    ).toEqual([
      { a: null, o: 0, j: 'いいえ', n: 'ü' },
      { a: 'crème', o: 2, j: 'はい', n: 'ü' },
    ]);
    expect(conn.query('SELECT count(*) AS n FROM "view 1"')[0]?.n).toBe(2);
  });

  it('plans and applies through a connection whose foreign keys are off, and leaves them off', async () => {
    const conn = await openDb(PARENT + PARENT_ROWS);
    conn.exec('PRAGMA foreign_keys = OFF');
    applyPlan(conn, planMigration(conn, PARENT.replace('name TEXT', 'name TEXT UNIQUE')));
    expect(conn.query('PRAGMA foreign_keys')[0]?.foreign_keys).toBe(0);
    expect(count(conn, 'child')).toBe(4);
  });
});
