/**
 * applyPlan is all or nothing: every failure leaves the database byte-identical (hash of export()),
 * with the connection's foreign-key setting restored.
 */
import { describe, expect, it } from 'vitest';
import { applyPlan, isMoltError, type Plan, planMigration } from '../../src/engine/index.ts';
import { hashBytes, migrate, openDb } from './helpers.ts';

const BEFORE = `
  CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
  CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id) ON DELETE CASCADE);
  INSERT INTO p VALUES (1, 'a'), (2, 'b');
  INSERT INTO c VALUES (1, 1), (2, 2);`;
const AFTER = `
  CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
  CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id) ON DELETE CASCADE);`;

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isMoltError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('applyPlan failures leave the database byte-identical', () => {
  it('when a row breaks a constraint during the apply (constraint-violation)', async () => {
    const conn = await openDb(BEFORE);
    const plan = planMigration(conn, AFTER);
    conn.exec("UPDATE p SET name = 'a' WHERE id = 2"); // same schema, so the plan is not stale
    const before = hashBytes(conn.export());
    expect(codeOf(() => applyPlan(conn, plan))).toBe('constraint-violation');
    expect(hashBytes(conn.export())).toBe(before);
    expect(conn.query('PRAGMA foreign_keys')[0]?.foreign_keys).toBe(1);
  });

  it('when the schema changed since planning (plan-stale)', async () => {
    const conn = await openDb(BEFORE);
    const plan = planMigration(conn, AFTER);
    conn.exec('CREATE TABLE surprise (x)');
    const before = hashBytes(conn.export());
    expect(codeOf(() => applyPlan(conn, plan))).toBe('plan-stale');
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('when the plan has blockers (blocked)', async () => {
    const conn = await openDb(`${BEFORE} UPDATE p SET name = 'a';`);
    const plan = planMigration(conn, AFTER);
    expect(plan.blockers).toMatchObject([{ kind: 'unique-violation', count: 2 }]);
    const before = hashBytes(conn.export());
    expect(codeOf(() => applyPlan(conn, plan))).toBe('blocked');
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('when the steps do not reach the target (plan-did-not-converge)', async () => {
    const conn = await openDb(BEFORE);
    const plan = planMigration(conn, `${AFTER} CREATE INDEX p_name ON p (name);`);
    const tampered: Plan = { ...plan, steps: plan.steps.filter((s) => s.kind !== 'create-index') };
    const before = hashBytes(conn.export());
    expect(codeOf(() => applyPlan(conn, tampered))).toBe('plan-did-not-converge');
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('when the result violates a foreign key (foreign-key-violation)', async () => {
    const conn = await openDb(BEFORE);
    const plan = planMigration(conn, AFTER);
    const tampered: Plan = {
      ...plan,
      steps: [
        ...plan.steps,
        {
          kind: 'create-index',
          object: 'x',
          reason: 'test',
          risk: 'safe',
          statements: [{ sql: 'DELETE FROM p WHERE id = 1' }],
        },
      ],
      foreignKeyCheck: ['c'],
    };
    const before = hashBytes(conn.export());
    expect(codeOf(() => applyPlan(conn, tampered))).toBe('foreign-key-violation');
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('refuses to run inside a transaction someone else opened (transaction-open)', async () => {
    const conn = await openDb(BEFORE);
    const plan = planMigration(conn, AFTER);
    conn.exec('BEGIN');
    expect(codeOf(() => applyPlan(conn, plan))).toBe('transaction-open');
    conn.exec('ROLLBACK');
    expect(conn.query('PRAGMA foreign_keys')[0]?.foreign_keys).toBe(1);
  });

  it('reports an invalid desired schema with the statement and SQLite message (schema-invalid)', async () => {
    const conn = await openDb(BEFORE);
    const before = hashBytes(conn.export());
    try {
      planMigration(conn, 'CREATE TABLE ok (x);\nCREATE TABLEX broken (y);');
      expect.unreachable();
    } catch (error) {
      expect(isMoltError(error, 'schema-invalid')).toBe(true);
      expect((error as { details: { statement: string } }).details.statement).toBe(
        'CREATE TABLEX broken (y)',
      );
    }
    expect(codeOf(() => planMigration(conn, 'INSERT INTO p VALUES (3, NULL);'))).toBe('schema-invalid');
    expect(hashBytes(conn.export())).toBe(before);
  });

  it('loads a schema whose statements are out of dependency order', async () => {
    const conn = await openDb();
    const plan = planMigration(
      conn,
      'CREATE INDEX i ON t (x); CREATE VIEW v AS SELECT * FROM t; CREATE TABLE t (x);',
    );
    applyPlan(conn, plan);
    expect(
      planMigration(conn, 'CREATE TABLE t (x); CREATE INDEX i ON t (x); CREATE VIEW v AS SELECT * FROM t;')
        .steps,
    ).toEqual([]);
  });

  it('is serialisable: a plan that went through JSON applies the same', async () => {
    const conn = await openDb(BEFORE);
    const plan = JSON.parse(JSON.stringify(planMigration(conn, AFTER))) as Plan;
    const report = applyPlan(conn, plan);
    expect(report.steps.map((s) => s.kind)).toEqual(['rebuild-table']);
    expect(report.rowsCopied).toBe(2);
  });
});

describe('blockers carry exact counts and the rows', () => {
  it('blocks dropping data and suggests a rename hint for a look-alike drop+add', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, username TEXT); INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c');",
    );
    const plan = planMigration(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, user_name TEXT);');
    expect(plan.blockers).toMatchObject([{ kind: 'possible-rename', object: 't.username', count: 2 }]);
    expect(plan.blockers[0]?.hint).toContain('@renamed from=username');
    const table = planMigration(conn, 'CREATE TABLE people (id INTEGER PRIMARY KEY, username TEXT);');
    expect(table.blockers).toMatchObject([{ kind: 'possible-rename', object: 't', count: 3 }]);
  });

  it('blocks NOT NULL without a DEFAULT over NULL rows and names them', async () => {
    const conn = await openDb(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO t VALUES (1, 1), (2, NULL), (7, NULL);',
    );
    const plan = planMigration(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);');
    expect(plan.blockers).toMatchObject([
      { kind: 'not-null-violation', object: 't.n', count: 2, rows: [2, 7] },
    ]);
  });

  it('blocks a new CHECK, UNIQUE or FOREIGN KEY that rows violate', async () => {
    const conn = await openDb(`
      CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, p INTEGER);
      INSERT INTO p VALUES (1);
      INSERT INTO t VALUES (1, -1, 1), (2, 5, 9), (3, 5, NULL), (4, -3, 1);`);
    const plan = planMigration(
      conn,
      `
      CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER UNIQUE CHECK (n > 0), p INTEGER REFERENCES p (id));`,
    );
    expect(plan.blockers.map((b) => [b.kind, b.count, b.rows])).toEqual([
      ['check-violation', 2, [1, 4]],
      ['unique-violation', 2, [2]],
      ['foreign-key-violation', 1, [2]],
    ]);
  });

  it('blocks a type change that would alter values, and one that STRICT refuses', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO t VALUES (1, '007'), (2, '12'), (3, 'x'), (4, '007');",
    );
    const loose = planMigration(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER);');
    expect(loose.blockers).toMatchObject([{ kind: 'data-loss', object: 't.code', count: 2 }]);
    const strict = planMigration(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER) STRICT;');
    expect(strict.blockers).toMatchObject([{ kind: 'type-mismatch', object: 't.code', count: 1 }]);
    const allowed = planMigration(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER);', {
      allowDataLoss: true,
    });
    expect(allowed.blockers).toEqual([]);
    expect(allowed.steps[0]?.risk).toBe('data-loss');
  });

  it('marks steps that drop data, and lets them through when allowed', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); INSERT INTO t VALUES (1, 'x', 'y');",
    );
    const plan = planMigration(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);', {
      allowDataLoss: true,
    });
    expect(plan.blockers).toEqual([]);
    expect(plan.warnings).toMatchObject([{ kind: 'data-loss-allowed', object: 't.b', count: 1 }]);
    expect(plan.steps).toMatchObject([{ kind: 'drop-column', risk: 'data-loss' }]);
  });
});

describe('regressions: constraint violations found at plan time, not at apply time', () => {
  it('a new UNIQUE under COLLATE NOCASE sees case-only duplicates', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t (name) VALUES ('a'), ('A');",
    );
    const plan = planMigration(
      conn,
      'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE);',
    );
    expect(plan.blockers).toMatchObject([{ kind: 'unique-violation', count: 2 }]);
  });

  it('a new unique index on an unchanged table sees duplicates, under its collation', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t (name) VALUES ('a'), ('A');",
    );
    const plan = planMigration(
      conn,
      'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); CREATE UNIQUE INDEX u ON t (name COLLATE NOCASE);',
    );
    expect(plan.blockers).toMatchObject([{ kind: 'unique-violation', count: 2 }]);
  });

  it('foreign-key violations already in the data block the rebuild that would check them', async () => {
    const conn = await openDb(`
      CREATE TABLE p (id INTEGER PRIMARY KEY, n INTEGER);
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id));
      INSERT INTO p VALUES (1, 1); PRAGMA foreign_keys = OFF; INSERT INTO c VALUES (1, 1), (2, 99); PRAGMA foreign_keys = ON;`);
    const plan = planMigration(
      conn,
      `
      CREATE TABLE p (id INTEGER PRIMARY KEY, n TEXT);
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id));`,
    );
    expect(plan.blockers).toMatchObject([
      { kind: 'foreign-key-violation', object: 'c', count: 1, rows: [2] },
    ]);
  });

  it('a new CHECK is tested against the values after type conversion', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT); INSERT INTO t VALUES (1, '5');",
    );
    const plan = planMigration(
      conn,
      "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER CHECK (typeof(x) = 'text'));",
    );
    expect(plan.blockers).toMatchObject([{ kind: 'check-violation', count: 1 }]);
  });

  it('a non-deterministic function in a CHECK or an index is an invalid schema', async () => {
    const conn = await openDb(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, d REAL); INSERT INTO t VALUES (1, 1.5);',
    );
    expect(
      codeOf(() =>
        planMigration(conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, d REAL CHECK (d < julianday('now')));"),
      ),
    ).toBe('schema-invalid');
    expect(
      codeOf(() =>
        planMigration(
          conn,
          "CREATE TABLE t (id INTEGER PRIMARY KEY, d REAL); CREATE INDEX i ON t (d) WHERE d < julianday('now');",
        ),
      ),
    ).toBe('schema-invalid');
    expect(
      codeOf(() => planMigration(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY, d REAL, r AS (random()));')),
    ).toBe('schema-invalid');
    // A non-deterministic DEFAULT is fine.
    expect(
      planMigration(
        conn,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, d REAL, at TEXT DEFAULT (datetime('now')));",
      ).blockers,
    ).toEqual([]);
  });
});

describe('regressions found by the property tests', () => {
  it('renames a column SQLite refuses to rename in place (WITHOUT ROWID key inside a UNIQUE)', async () => {
    const conn = await openDb(
      'CREATE TABLE t (a INTEGER, b INTEGER, PRIMARY KEY (a), UNIQUE (a, b)) WITHOUT ROWID;',
    );
    conn.exec('INSERT INTO t VALUES (1, 2), (3, 4);');
    const after =
      'CREATE TABLE t (x /* @renamed from=a */ INTEGER, b INTEGER, PRIMARY KEY (x), UNIQUE (x, b)) WITHOUT ROWID;';
    const plan = planMigration(conn, after);
    expect(plan.steps.map((s) => s.kind)).toEqual(['rebuild-table']);
    applyPlan(conn, plan);
    expect(conn.query('SELECT x, b FROM t ORDER BY x')).toEqual([
      { x: 1, b: 2 },
      { x: 3, b: 4 },
    ]);
    expect(planMigration(conn, after).steps).toEqual([]);
  });

  it('names rows of a composite key that holds a blob', async () => {
    const conn = await openDb(
      "CREATE TABLE t (a INTEGER, b BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID; INSERT INTO t VALUES (1, x''), (2, x'DEADBEEF');",
    );
    expect(
      planMigration(
        conn,
        'CREATE TABLE t (a INTEGER, b BLOB, c INTEGER NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;',
      ).blockers,
    ).toMatchObject([{ kind: 'not-null-violation', count: 2, rows: ["1, X''", "2, X'DEADBEEF'"] }]);
    expect(
      planMigration(
        conn,
        'CREATE TABLE t (a INTEGER, b BLOB CHECK (length(b) < 3), PRIMARY KEY (a, b)) WITHOUT ROWID;',
      ).blockers,
    ).toMatchObject([{ kind: 'check-violation', count: 1 }]);
  });

  it('finds the duplicates that filling NULLs with a DEFAULT creates', async () => {
    const conn = await openDb("CREATE TABLE t (c TEXT UNIQUE); INSERT INTO t VALUES (NULL), ('a');");
    expect(
      planMigration(conn, "CREATE TABLE t (c TEXT NOT NULL DEFAULT 'a' UNIQUE);").blockers,
    ).toMatchObject([{ kind: 'unique-violation', count: 2 }]);
  });

  it('checks foreign keys again when the child column changes type', async () => {
    const conn = await openDb(
      'CREATE TABLE p (k UNIQUE); CREATE TABLE c (r INTEGER REFERENCES p (k)); INSERT INTO p VALUES (0); INSERT INTO c VALUES (0);',
    );
    expect(
      planMigration(conn, 'CREATE TABLE p (k UNIQUE); CREATE TABLE c (r TEXT REFERENCES p (k));').blockers,
    ).toMatchObject([{ kind: 'foreign-key-violation', count: 1 }]);
  });

  it('gives NULL ids of a new INTEGER PRIMARY KEY ids after the existing ones', async () => {
    const conn = await openDb(
      'CREATE TABLE t (c INTEGER, v TEXT); INSERT INTO t VALUES (NULL, "a"), (1, "b");',
    );
    migrate(conn, 'CREATE TABLE t (c INTEGER PRIMARY KEY, v TEXT);');
    expect(conn.query('SELECT c, v FROM t ORDER BY c')).toEqual([
      { c: 1, v: 'b' },
      { c: 2, v: 'a' },
    ]);
  });

  it('blocks a new STRICT column whose DEFAULT does not fit its type', async () => {
    const conn = await openDb('CREATE TABLE t (a INTEGER) STRICT; INSERT INTO t VALUES (1);');
    expect(
      planMigration(conn, 'CREATE TABLE t (a INTEGER, b INTEGER DEFAULT CURRENT_TIMESTAMP) STRICT;').blockers,
    ).toMatchObject([{ kind: 'type-mismatch', count: 1 }]);
    expect(
      planMigration(conn, "CREATE TABLE t (a INTEGER, b INTEGER DEFAULT 'x') STRICT;").blockers,
    ).toMatchObject([{ kind: 'type-mismatch', count: 1 }]);
  });

  it('rebuilds a table that keeps none of its columns', async () => {
    const conn = await openDb('CREATE TABLE t (a INTEGER PRIMARY KEY) WITHOUT ROWID;');
    migrate(conn, 'CREATE TABLE t (b INTEGER);');
    const full = await openDb(
      'CREATE TABLE t (a INTEGER PRIMARY KEY) WITHOUT ROWID; INSERT INTO t VALUES (1);',
    );
    expect(planMigration(full, 'CREATE TABLE t (b INTEGER);').blockers).toMatchObject([
      { kind: 'data-loss', object: 't.a', count: 1 },
    ]);
  });

  it('keeps every row of a table that keeps none of its columns, with the new defaults', async () => {
    const conn = await openDb(
      "CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID; INSERT INTO t VALUES ('x'), ('y'), ('z');",
    );
    migrate(conn, "CREATE TABLE t (b INTEGER, c TEXT NOT NULL DEFAULT 'new', d REAL DEFAULT (1.5));", {
      allowDataLoss: true,
    });
    expect(conn.query('SELECT b, c, d FROM t')).toEqual(
      Array.from({ length: 3 }, () => ({ b: null, c: 'new', d: 1.5 })),
    );
    const defaulted = await openDb(
      "CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID; INSERT INTO t VALUES ('x'), ('y');",
    );
    migrate(defaulted, "CREATE TABLE t (b TEXT DEFAULT 'first', c INTEGER);", { allowDataLoss: true });
    expect(defaulted.query('SELECT b, c FROM t')).toEqual([
      { b: 'first', c: null },
      { b: 'first', c: null },
    ]);
  });

  it('evaluates an unchanged CHECK again when NULLs are filled with a DEFAULT it forbids', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, c BLOB DEFAULT X'00' CHECK (typeof(c) <> 'blob')); INSERT INTO t VALUES (1, 42), (2, NULL);",
    );
    const plan = planMigration(
      conn,
      "CREATE TABLE t (id INTEGER PRIMARY KEY, c BLOB NOT NULL DEFAULT X'00' CHECK (typeof(c) <> 'blob'));",
    );
    expect(plan.blockers).toMatchObject([{ kind: 'check-violation', count: 1, rows: [2] }]);
  });

  it('looks foreign keys up in the parent as the migration leaves it', async () => {
    // The referenced column is new: no child value can find a parent.
    const fresh = await openDb(
      "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (x TEXT); INSERT INTO p VALUES (1); INSERT INTO c VALUES ('a'), (NULL);",
    );
    expect(
      planMigration(
        fresh,
        'CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE); CREATE TABLE c (x TEXT REFERENCES p (code));',
      ).blockers,
    ).toMatchObject([{ kind: 'foreign-key-violation', object: 'c', count: 1 }]);

    // The parent key loses its affinity (STRICT ANY): the text '0.5' no longer finds the real 0.5,
    // though the child table does not change at all.
    const child = 'CREATE TABLE c (x REFERENCES p (k));';
    const retyped = await openDb(
      `CREATE TABLE p (k REAL UNIQUE); ${child} INSERT INTO p VALUES (0.5), (2.0); INSERT INTO c VALUES ('0.5'), (2.0);`,
    );
    expect(planMigration(retyped, `CREATE TABLE p (k ANY UNIQUE) STRICT; ${child}`).blockers).toMatchObject([
      { kind: 'foreign-key-violation', object: 'c', count: 1, rows: [1] },
    ]);
    // Where the values still match, the plan applies.
    migrate(retyped, `CREATE TABLE p (k REAL UNIQUE COLLATE NOCASE); ${child}`);
    expect(retyped.query('SELECT count(*) AS n FROM c')).toEqual([{ n: 2 }]);
  });

  it('warns that a swap written as hints is not taken, and leaves the names as they are', async () => {
    const conn = await openDb(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); INSERT INTO t VALUES (1, 'x', 'y');",
    );
    const plan = planMigration(
      conn,
      'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, -- @renamed from=b\n b TEXT -- @renamed from=a\n);',
    );
    expect(plan.steps).toEqual([]);
    expect(plan.warnings.filter((w) => w.kind === 'unused-rename').map((w) => w.message)).toEqual([
      'rename column t.b -> a (a swap or chain of names: pass it in the renames option) does not apply to this database',
      'rename column t.a -> b (a swap or chain of names: pass it in the renames option) does not apply to this database',
    ]);
  });

  it('blocks a NULL in a column that becomes a STRICT primary key when its DEFAULT does not fit', async () => {
    const conn = await openDb(
      "CREATE TABLE t (a REAL, k INT DEFAULT X'00', PRIMARY KEY (a, k)); INSERT INTO t VALUES (0.5, NULL), (1.5, 2);",
    );
    const plan = planMigration(
      conn,
      "CREATE TABLE t (a REAL, k INT DEFAULT X'00', PRIMARY KEY (a, k)) STRICT;",
    );
    expect(plan.blockers).toMatchObject([{ kind: 'type-mismatch', object: 't.k', count: 1, rows: [1] }]);
  });

  it('compares a child value with a retyped parent key under the parent affinity, as SQLite does', async () => {
    const conn = await openDb(
      `CREATE TABLE p (k INT UNIQUE); CREATE TABLE c (x REAL REFERENCES p (k));
      INSERT INTO p VALUES (1), (2); INSERT INTO c VALUES (1), (NULL);`,
    );
    // TEXT '1' is not found by the real 1.0 (it would look for '1.0').
    expect(
      planMigration(conn, 'CREATE TABLE p (k TEXT UNIQUE); CREATE TABLE c (x REAL REFERENCES p (k));')
        .blockers,
    ).toMatchObject([{ kind: 'foreign-key-violation', object: 'c', count: 1, rows: [1] }]);
  });

  it('checks a foreign key again when its column gets NULLs filled with a DEFAULT', async () => {
    const conn = await openDb(
      `CREATE TABLE t (id INTEGER PRIMARY KEY, parent INTEGER DEFAULT 9 REFERENCES t (code), code UNIQUE);
      INSERT INTO t VALUES (1, NULL, 5), (2, 5, 6);`,
    );
    const plan = planMigration(
      conn,
      'CREATE TABLE t (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL DEFAULT 9 REFERENCES t (code), code UNIQUE);',
    );
    expect(plan.blockers).toMatchObject([{ kind: 'foreign-key-violation', count: 1, rows: [1] }]);
  });

  it('evaluates a new CHECK on values with the column affinity they will be stored with', async () => {
    const conn = await openDb(
      "CREATE TABLE t (k TEXT DEFAULT 0 PRIMARY KEY, v TEXT) STRICT; INSERT INTO t VALUES ('a', 'x'), ('', 'y');",
    );
    // '' >= -100 compares as text ('' < '-100'): the row with k = '' (rowid 2) violates it.
    const plan = planMigration(
      conn,
      'CREATE TABLE t (k TEXT DEFAULT 0 PRIMARY KEY CHECK (k >= -100), v TEXT NOT NULL DEFAULT 3 CHECK (v > 2)) STRICT;',
    );
    expect(plan.blockers).toMatchObject([{ kind: 'check-violation', count: 1, rows: [2] }]);
  });

  it('checks the ids a column gets when it becomes INTEGER PRIMARY KEY against its own foreign key', async () => {
    const v2 =
      'CREATE TABLE t (id INTEGER PRIMARY KEY REFERENCES t (code), n INTEGER NOT NULL, code UNIQUE);';
    const conn = await openDb(
      "CREATE TABLE t (id REAL REFERENCES t (code), n INTEGER PRIMARY KEY, code UNIQUE); INSERT INTO t VALUES (NULL, 5, 'x');",
    );
    // The NULL id becomes 1, and no row has code 1.
    expect(planMigration(conn, v2).blockers).toMatchObject([{ kind: 'foreign-key-violation', count: 1 }]);
    // The same when the foreign key and the column's type were there before.
    const kept = await openDb(
      "CREATE TABLE t (id INTEGER REFERENCES t (code), n INTEGER, code UNIQUE, PRIMARY KEY (id, n)); INSERT INTO t VALUES (NULL, 5, 'x');",
    );
    expect(planMigration(kept, v2).blockers).toMatchObject([{ kind: 'foreign-key-violation', count: 1 }]);
    const fits = await openDb(
      'CREATE TABLE t (id REAL REFERENCES t (code), n INTEGER PRIMARY KEY, code UNIQUE); INSERT INTO t VALUES (NULL, 5, 1);',
    );
    migrate(fits, v2);
    expect(fits.query('SELECT id, n, code FROM t')).toEqual([{ id: 1, n: 5, code: 1 }]);
  });

  it('checks a kept UNIQUE again when its values are converted (STRICT dropped: ANY becomes NUMERIC)', async () => {
    const conn = await openDb(
      "CREATE TABLE t (k ANY PRIMARY KEY) STRICT; INSERT INTO t VALUES ('007'), (7), ('x');",
    );
    const plan = planMigration(conn, 'CREATE TABLE t (k ANY PRIMARY KEY);', { allowDataLoss: true });
    expect(plan.blockers).toMatchObject([{ kind: 'unique-violation', count: 2 }]);
  });

  it('gives a NULL in a column becoming INTEGER PRIMARY KEY a new id, not its DEFAULT', async () => {
    const conn = await openDb(
      'CREATE TABLE t (k INTEGER, v TEXT, PRIMARY KEY (k, v)); INSERT INTO t VALUES (NULL, 1), (4, 2), (NULL, 3);',
    );
    migrate(conn, 'CREATE TABLE t (k INTEGER NOT NULL DEFAULT 1.5, v TEXT, PRIMARY KEY (k));');
    expect(conn.query('SELECT k, v FROM t ORDER BY v')).toEqual([
      { k: 5, v: '1' },
      { k: 4, v: '2' },
      { k: 6, v: '3' },
    ]);
  });

  it('blocks NULLs that would need ids past the largest integer in a new INTEGER PRIMARY KEY', async () => {
    const conn = await openDb(
      'CREATE TABLE t (k INT, v TEXT PRIMARY KEY); INSERT INTO t VALUES (9223372036854775807, 1), (NULL, 2);',
    );
    expect(
      planMigration(conn, 'CREATE TABLE t (k INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);').blockers,
    ).toMatchObject([{ kind: 'not-null-violation', count: 1 }]);
    const room = await openDb(
      'CREATE TABLE t (k INT, v TEXT PRIMARY KEY); INSERT INTO t VALUES (41, 1), (NULL, 2);',
    );
    migrate(room, 'CREATE TABLE t (k INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);');
    expect(room.query('SELECT k FROM t ORDER BY k')).toEqual([{ k: 41 }, { k: 42 }]);
  });
});
