/**
 * Conformance with sqldef's SQLite suite (sqldef-sqlite3.json, MIT: see its `source` block). sqldef
 * checks the DDL it prints on empty tables; molt is held to more. For every case:
 *
 *   1. `current` is built with foreign keys on, planning it against itself needs no step, and every
 *      table gets sample rows (parents first; a row of NULLs where both schemas allow it);
 *   2. planning `desired` without allowDataLoss blocks exactly when rows would be lost, naming them, and
 *      the blocked plan cannot be applied (the bytes stay as they were);
 *   3. with allowDataLoss the plan applies, and the database is then semantically the pristine desired
 *      schema, planning `desired` again needs no step, every kept value is intact (`quote()` text,
 *      matched by rowid, or as a multiset of rows in WITHOUT ROWID tables), and foreign keys and
 *      integrity hold;
 *   4. the tables the migration created get sample rows too; bidirectional cases then migrate back to
 *      `current` (the renames reversed) and check all of the above again.
 *
 * sqldef's configuration features that molt does not have (`enable_drop: false`, `target_tables`,
 * `skip_tables`) are ignored: those cases run as plain declarative migrations, where molt drops what the
 * desired schema lacks (with allowDataLoss), and must converge like every other case.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyPlan,
  diffCanonical,
  inspectSchema,
  loadDesiredSchema,
  type Plan,
  planMigration,
  type Renames,
  type Schema,
} from '../../src/engine/index.ts';
import { loadSqlJs, openSqlJs, type SqlJsConnection, type SqlJsStatic } from '../../src/sqlite/index.ts';
import { codeOf, hashBytes } from '../support/outcomes.ts';
import {
  compareKept,
  fold,
  insertSampleRows,
  lostValues,
  mappingFrom,
  snapshotValues,
} from '../support/rows.ts';

interface ConformanceCase {
  name: string;
  current: string;
  desired: string;
  /** Supplementary cases have no mode: they run one way. */
  mode?: 'idempotency' | 'bidirectional';
  flags: Record<string, unknown>;
}

const data = JSON.parse(readFileSync(new URL('./sqldef-sqlite3.json', import.meta.url), 'utf8')) as {
  cases: ConformanceCase[];
  supplementary_cases: ConformanceCase[];
};

/** Cases this SQLite build cannot run, with the reason. */
const EXCLUDED: Record<string, string> = {
  'Go:TestSQLite3defVirtualTable':
    'needs FTS5 and R*Tree, and an FTS3 table with the ICU tokenizer: sql.js 1.16 has FTS3/FTS4 with the ' +
    'built-in tokenizers only. Its FTS4 table runs below as a case of its own.',
};

/** What of an excluded case this build can run. */
const DERIVED: ConformanceCase[] = [
  {
    name: 'Go:TestSQLite3defVirtualTable, its FTS4 table',
    current: '',
    desired:
      'CREATE VIRTUAL TABLE fts_a USING fts4(\n  body TEXT,\n  tokenize=unicode61 "tokenchars=.=" "separators=X"\n);\n',
    mode: 'bidirectional',
    flags: {},
  },
];

/**
 * Cases the engine does not pass yet, each with its minimal repro. They run as expected failures so that
 * the suite stays green and notices when one starts to pass.
 */
const KNOWN_FAILURES: Record<string, string> = {};

const all = [...data.cases, ...data.supplementary_cases];
const runnable = [...all.filter((c) => !(c.name in EXCLUDED)), ...DERIVED];

describe('sqldef conformance', () => {
  let sqlite: SqlJsStatic;
  let passed = 0;

  beforeAll(async () => {
    sqlite = await loadSqlJs();
  });

  afterAll(() => {
    const failing = Object.keys(KNOWN_FAILURES).length;
    const excluded = Object.keys(EXCLUDED);
    console.log(
      `sqldef conformance: ${passed}/${runnable.length} passed, ${failing} known failures, ` +
        `${excluded.length} excluded (${excluded.join(', ')}), of ${all.length} cases`,
    );
  });

  it('keeps every case of the file, and excludes only cases it has', () => {
    expect(all).toHaveLength(72);
    for (const name of [...Object.keys(EXCLUDED), ...Object.keys(KNOWN_FAILURES)]) {
      expect(all.map((c) => c.name)).toContain(name);
    }
  });

  for (const testCase of runnable) {
    const test = testCase.name in KNOWN_FAILURES ? it.fails : it;
    test(testCase.name, () => {
      runCase(sqlite, testCase);
      passed++;
    });
  }
});

function runCase(sqlite: SqlJsStatic, testCase: ConformanceCase): void {
  const conn = openSqlJs(sqlite);
  try {
    conn.exec('PRAGMA foreign_keys = ON');
    if (testCase.current.trim()) conn.exec(testCase.current);
    // sqldef's own first check: the current schema, planned against itself, needs nothing.
    expect(planMigration(conn, testCase.current).steps).toEqual([]);

    const up = loadDesiredSchema(conn, testCase.desired);
    insertSampleRows(conn, { nullable: nullableIn(inspectSchema(conn), up.schema, up.hints) });
    const upPlan = migrate(conn, testCase.desired, {});
    if (testCase.name === 'Go:TestDeprecatedRenameAnnotation') {
      expect(upPlan.warnings.map((w) => w.kind)).toContain('deprecated-hint');
      expect(upPlan.steps.map((s) => s.kind)).toContain('rename-column');
    }

    // The tables the migration created get rows too, for the way back, and rows change no plan.
    const back = reverse(up.hints);
    const down = loadDesiredSchema(conn, testCase.current);
    insertSampleRows(conn, { onlyEmpty: true, nullable: nullableIn(inspectSchema(conn), down.schema, back) });
    expect(planMigration(conn, testCase.desired).steps).toEqual([]);
    if (testCase.mode === 'bidirectional') migrate(conn, testCase.current, back);
  } finally {
    conn.close();
  }
}

/**
 * Migrates `conn` to `targetSql` the careful way first (it must block exactly when rows would be
 * lost), then with allowDataLoss, and checks the result. Returns the plan that was applied.
 */
function migrate(conn: SqlJsConnection, targetSql: string, renames: Renames): Plan {
  const schemaBefore = inspectSchema(conn);
  const target = loadDesiredSchema(conn, targetSql);
  const mapping = mappingFrom(schemaBefore, target.schema, merge(target.hints, renames));
  const before = snapshotValues(conn);
  const bytes = hashBytes(conn.export());

  const careful = planMigration(conn, targetSql, { renames });
  for (const blocker of careful.blockers) expect(['data-loss', 'possible-rename']).toContain(blocker.kind);
  expect(careful.blockers.map((b) => fold(b.object)).sort()).toEqual(lostValues(before, mapping));
  if (careful.blockers.length > 0) {
    expect(codeOf(() => applyPlan(conn, careful))).toBe('blocked');
    expect(hashBytes(conn.export())).toBe(bytes);
  }

  const plan = planMigration(conn, targetSql, { renames, allowDataLoss: true });
  expect(plan.blockers).toEqual([]);
  applyPlan(conn, plan);

  const pristine = loadDesiredSchema(conn, targetSql).schema;
  expect(diffCanonical(inspectSchema(conn), pristine)).toEqual([]);
  expect(planMigration(conn, targetSql).steps).toEqual([]);
  expect(compareKept(before, snapshotValues(conn), mapping)).toEqual([]);
  expect(conn.query('PRAGMA foreign_key_check')).toEqual([]);
  expect(conn.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
  return plan;
}

/** NULL fits a column in the sample rows when it is nullable now and stays nullable in `desired`. */
function nullableIn(current: Schema, desired: Schema, hints: Renames) {
  const mapping = mappingFrom(current, desired, hints);
  return (table: string, column: string) => {
    const col = current.tables.find((t) => t.name === table)?.columns.find((c) => c.name === column);
    if (!col || col.notNull || col.primaryKey > 0) return false;
    const toTable = mapping.table(table);
    const toColumn = mapping.column(table, column);
    if (toTable === undefined || toColumn === undefined) return true;
    const next = desired.tables.find((t) => fold(t.name) === fold(toTable));
    return !next?.columns.find((c) => fold(c.name) === fold(toColumn))?.notNull;
  };
}

/** The renames that undo `hints` (for the way back to `current`, whose SQL has no hints). */
function reverse(hints: Renames): Renames {
  const tables = Object.fromEntries(Object.entries(hints.tables ?? {}).map(([from, to]) => [to, from]));
  const columns = Object.fromEntries(
    Object.entries(hints.columns ?? {}).map(([key, to]) => {
      const dot = key.lastIndexOf('.');
      return [`${key.slice(0, dot)}.${to}`, key.slice(dot + 1)];
    }),
  );
  const indexes = Object.fromEntries(Object.entries(hints.indexes ?? {}).map(([from, to]) => [to, from]));
  return { tables, columns, indexes };
}

function merge(a: Renames, b: Renames): Renames {
  return {
    tables: { ...a.tables, ...b.tables },
    columns: { ...a.columns, ...b.columns },
    indexes: { ...a.indexes, ...b.indexes },
  };
}
