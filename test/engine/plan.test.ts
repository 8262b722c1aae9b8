/**
 * The planner, as a specification: schema before (with rows), schema after, the step kinds expected,
 * and the round trip — apply to real SQLite, compare with the pristine target, check every kept value.
 */
import { describe, expect, it } from 'vitest';
import { inspectSchema, type PlanOptions, type StepKind } from '../../src/engine/index.ts';
import { migrate, openDb, snapshotRows } from './helpers.ts';

interface Case {
  name: string;
  before: string;
  rows?: string;
  after: string;
  kinds: StepKind[];
  options?: PlanOptions;
  /** Kept values to compare: 'table.column' before → 'table.column' after (defaults to same names). */
  renamed?: Record<string, string>;
  /** Columns whose values may change (type conversions). */
  changes?: string[];
}

const cases: Case[] = [
  {
    name: 'creates a table',
    before: 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
    rows: 'INSERT INTO a VALUES (1), (2);',
    after:
      'CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));',
    kinds: ['create-table'],
  },
  {
    name: 'drops an empty table without asking',
    before: 'CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE gone (x);',
    rows: 'INSERT INTO a VALUES (1);',
    after: 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
    kinds: ['drop-table'],
  },
  {
    name: 'drops a table with rows when data loss is allowed',
    before: 'CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE gone (x);',
    rows: "INSERT INTO a VALUES (1); INSERT INTO gone VALUES ('bye');",
    after: 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
    kinds: ['drop-table'],
    options: { allowDataLoss: true },
  },
  {
    name: 'renames a table from a hint',
    before: 'CREATE TABLE old_users (id INTEGER PRIMARY KEY, name TEXT);',
    rows: "INSERT INTO old_users VALUES (1, 'ann'), (2, 'bob');",
    after: 'CREATE TABLE users ( -- @renamed from=old_users\n id INTEGER PRIMARY KEY, name TEXT);',
    kinds: ['rename-table'],
    renamed: { 'old_users.id': 'users.id', 'old_users.name': 'users.name' },
  },
  {
    name: 'renames a table from the renames option',
    before: 'CREATE TABLE old_users (id INTEGER PRIMARY KEY, name TEXT);',
    rows: "INSERT INTO old_users VALUES (1, 'ann');",
    after: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);',
    kinds: ['rename-table'],
    options: { renames: { tables: { old_users: 'users' } } },
    renamed: { 'old_users.id': 'users.id', 'old_users.name': 'users.name' },
  },
  {
    name: 'adds a column at the end with ALTER',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);',
    rows: "INSERT INTO t VALUES (1, 'x'), (2, NULL);",
    after:
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL DEFAULT 7 CHECK (b > 0), c TEXT COLLATE NOCASE DEFAULT 'd');",
    kinds: ['add-column', 'add-column'],
  },
  {
    name: 'adds a column in the middle by rebuilding',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);',
    rows: "INSERT INTO t VALUES (1, 'x'), (2, NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, a TEXT);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'adds a column with a non-constant default by rebuilding',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);',
    rows: "INSERT INTO t VALUES (1, 'x');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, created TEXT DEFAULT CURRENT_TIMESTAMP);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'drops an empty column with ALTER',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);',
    rows: "INSERT INTO t VALUES (1, 'x', NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);',
    kinds: ['drop-column'],
  },
  {
    name: 'drops an indexed column by rebuilding',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT UNIQUE);',
    rows: "INSERT INTO t VALUES (1, 'x', 'y');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);',
    kinds: ['rebuild-table'],
    options: { allowDataLoss: true },
  },
  {
    name: 'renames a column from a hint',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, username TEXT); CREATE INDEX t_u ON t (username);',
    rows: "INSERT INTO t VALUES (1, 'ann');",
    after:
      'CREATE TABLE t (id INTEGER PRIMARY KEY, user_name TEXT /* @renamed from=username */); CREATE INDEX t_u ON t (user_name);',
    kinds: ['rename-column'],
    renamed: { 't.username': 't.user_name' },
  },
  {
    name: 'renames a column from the renames option',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, username TEXT);',
    rows: "INSERT INTO t VALUES (1, 'ann');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, user_name TEXT);',
    kinds: ['rename-column'],
    options: { renames: { columns: { 't.username': 'user_name' } } },
    renamed: { 't.username': 't.user_name' },
  },
  {
    name: 'changes a type',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT);',
    rows: "INSERT INTO t VALUES (1, 'abc'), (2, '12'), (3, NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);',
    kinds: ['rebuild-table'],
    changes: ['t.n'],
  },
  {
    name: 'changes a DEFAULT',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 1);',
    rows: 'INSERT INTO t VALUES (1, 5);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 2);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'sets NOT NULL in place',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);',
    rows: 'INSERT INTO t VALUES (1, 5), (2, 6);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);',
    kinds: ['alter-column'],
  },
  {
    name: 'drops NOT NULL in place',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);',
    rows: 'INSERT INTO t VALUES (1, 5);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);',
    kinds: ['alter-column'],
  },
  {
    name: 'adds a CHECK',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);',
    rows: 'INSERT INTO t VALUES (1, 5);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, CHECK (n > 0));',
    kinds: ['rebuild-table'],
  },
  {
    name: 'adds a UNIQUE constraint',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT);',
    rows: "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL), (4, NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'changes the PRIMARY KEY',
    before: 'CREATE TABLE t (code TEXT, n INTEGER);',
    rows: "INSERT INTO t VALUES ('a', 1), ('b', 2);",
    after: 'CREATE TABLE t (code TEXT PRIMARY KEY, n INTEGER);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'changes a FOREIGN KEY action',
    before:
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id));',
    rows: 'INSERT INTO p VALUES (1), (2); INSERT INTO c VALUES (10, 1), (11, 2), (12, NULL);',
    after:
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'changes a COLLATE',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);',
    rows: "INSERT INTO t VALUES (1, 'Ann');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'adds a VIRTUAL generated column with ALTER',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);',
    rows: 'INSERT INTO t VALUES (1, 2);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, twice INTEGER AS (a * 2) VIRTUAL);',
    kinds: ['add-column'],
  },
  {
    name: 'adds a STORED generated column by rebuilding',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);',
    rows: 'INSERT INTO t VALUES (1, 2), (2, NULL);',
    after:
      'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, twice INTEGER GENERATED ALWAYS AS (a * 2) STORED);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'turns a generated column into a plain one, keeping its values',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, twice INTEGER AS (a * 2));',
    rows: 'INSERT INTO t (id, a) VALUES (1, 2);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, twice INTEGER);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'makes a table STRICT',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT);',
    rows: "INSERT INTO t VALUES (1, 5, 'x'), (2, NULL, NULL);",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT) STRICT;',
    kinds: ['rebuild-table'],
  },
  {
    name: 'makes a table WITHOUT ROWID',
    before: 'CREATE TABLE t (code TEXT NOT NULL, n INTEGER);',
    rows: "INSERT INTO t VALUES ('a', 1), ('b', 2);",
    after: 'CREATE TABLE t (code TEXT NOT NULL PRIMARY KEY, n INTEGER) WITHOUT ROWID;',
    kinds: ['rebuild-table'],
  },
  {
    name: 'adds AUTOINCREMENT',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);',
    rows: 'INSERT INTO t VALUES (1, 1), (5, 2);',
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER);',
    kinds: ['rebuild-table'],
  },
  {
    name: 'creates unique, partial and expression indexes',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, active INTEGER);',
    rows: "INSERT INTO t VALUES (1, 'A@x', 1), (2, 'b@x', 0), (3, 'a@x', 0);",
    after: `CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, active INTEGER);
      CREATE UNIQUE INDEX t_email ON t (email);
      CREATE INDEX t_active ON t (email) WHERE active = 1;
      CREATE UNIQUE INDEX t_lower ON t (lower(email)) WHERE active = 1;`,
    kinds: ['create-index', 'create-index', 'create-index'],
  },
  {
    name: 'changes an index',
    before: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE INDEX t_i ON t (a);',
    rows: "INSERT INTO t VALUES (1, 'x', 'y');",
    after: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE INDEX t_i ON t (a, b);',
    kinds: ['drop-index', 'create-index'],
  },
  {
    name: 'creates, changes and drops views',
    before:
      'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE VIEW v1 AS SELECT id FROM t; CREATE VIEW v2 AS SELECT a FROM t;',
    rows: "INSERT INTO t VALUES (1, 'x');",
    after:
      'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE VIEW v1 AS SELECT id, a FROM t; CREATE VIEW v3 AS SELECT * FROM v1;',
    kinds: ['drop-view', 'drop-view', 'create-view', 'create-view'],
  },
  {
    name: 'creates, changes and drops triggers',
    before: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE log (msg TEXT);
      CREATE TRIGGER t1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('one'); END;
      CREATE TRIGGER t2 AFTER DELETE ON t BEGIN INSERT INTO log VALUES ('two'); END;`,
    rows: "INSERT INTO t VALUES (1, 'x');",
    after: `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE log (msg TEXT);
      CREATE TRIGGER t1 AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('uno'); END;
      CREATE TRIGGER t3 BEFORE UPDATE OF a ON t WHEN NEW.a IS NULL BEGIN SELECT RAISE(ABORT, 'a is required'); END;`,
    kinds: ['drop-trigger', 'drop-trigger', 'create-trigger', 'create-trigger'],
  },
  {
    name: 'recreates a changed virtual table',
    before: 'CREATE VIRTUAL TABLE docs USING fts4(body);',
    after: 'CREATE VIRTUAL TABLE docs USING fts4(title, body);',
    kinds: ['drop-table', 'create-table'],
  },
  {
    name: 'ignores comments, whitespace, keyword case and quoting',
    before: 'CREATE TABLE "T" (id integer primary key, "name" text);',
    rows: "INSERT INTO T VALUES (1, 'x');",
    after: 'create table t ( -- the same table\n  "id" INTEGER PRIMARY KEY, /* quoted */ [name] TEXT\n);',
    kinds: [],
  },
];

describe('planMigration + applyPlan', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const conn = await openDb(c.before);
      if (c.rows) conn.exec(c.rows);
      const before = snapshotAll(conn);
      const { plan } = migrate(conn, c.after, c.options);
      expect(plan.steps.map((s) => s.kind).sort()).toEqual([...c.kinds].sort());
      expectKeptValues(conn, before, c);
    });
  }
});

type Snapshot = Map<string, { columns: string[]; rows: Map<string, Record<string, string>> }>;

function snapshotAll(conn: Awaited<ReturnType<typeof openDb>>): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const table of inspectSchema(conn).tables) {
    if (table.kind !== 'table' || table.withoutRowid) continue;
    const columns = table.columns.filter((c) => !c.generated).map((c) => c.name);
    snapshot.set(table.name, { columns, rows: snapshotRows(conn, table.name, columns) });
  }
  return snapshot;
}

/** Every value of every column that still exists (under its new name) is unchanged, row by row. */
function expectKeptValues(conn: Awaited<ReturnType<typeof openDb>>, before: Snapshot, c: Case) {
  const after = inspectSchema(conn);
  for (const [table, { columns, rows }] of before) {
    for (const column of columns) {
      const target = c.renamed?.[`${table}.${column}`] ?? `${table}.${column}`;
      if (c.changes?.includes(target)) continue;
      const [newTable, newColumn] = target.split('.') as [string, string];
      const t = after.tables.find((x) => x.name.toLowerCase() === newTable.toLowerCase());
      if (!t?.columns.some((x) => x.name.toLowerCase() === newColumn.toLowerCase())) continue;
      const key = t.withoutRowid ? (t.columns.find((x) => x.primaryKey === 1)?.name ?? 'rowid') : 'rowid';
      const now = snapshotRows(conn, t.name, [newColumn], key === 'rowid' ? 'rowid' : `"${key}"`);
      if (key !== 'rowid') continue; // keyed differently now; counted below
      for (const [rowid, values] of rows)
        expect(now.get(rowid)?.[newColumn], `${target} row ${rowid}`).toBe(values[column]);
    }
    const stillThere = after.tables.find(
      (x) =>
        x.name.toLowerCase() ===
        (c.renamed?.[`${table}.${columns[0]}`]?.split('.')[0] ?? table).toLowerCase(),
    );
    if (stillThere)
      expect(Number(conn.query(`SELECT count(*) AS n FROM "${stillThere.name}"`)[0]!.n)).toBe(rows.size);
  }
}
