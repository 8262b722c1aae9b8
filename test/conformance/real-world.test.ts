/**
 * Real-world schema pairs (real-world-cases.ts): for every case, build `before` with foreign keys on,
 * insert its rows, then hold the engine to the case's expectation:
 *
 *   - converges: the plan has no blocker; apply reaches exactly the pristine `after`; planning `after`
 *     again needs no step; integrity_check is ok, foreign_key_check is empty, foreign_keys is back on;
 *     every value of every kept column is the same `quote()` text, row by row (renames followed); the
 *     case's own checks (triggers fire, cascades work, counters kept) hold;
 *   - blockers: the plan has exactly these blockers (kind, object, exact count); applying it throws
 *     `blocked` and the database bytes do not change;
 *   - planError / applyError: the error has that code and the bytes do not change.
 *
 * Cases with a `known` note are what the engine gets wrong today: they run as expected failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyPlan,
  diffCanonical,
  inspectSchema,
  loadDesiredSchema,
  planMigration,
  type Renames,
  type Table,
} from '../../src/engine/index.ts';
import { loadSqlJs, openSqlJs, type SqlJsConnection, type SqlJsStatic } from '../../src/sqlite/sql-js.ts';
import { codeOf, hashBytes } from '../support/outcomes.ts';
import { CASES as REAL_WORLD, type RealWorldCase } from './real-world-cases.ts';
import { SUBTLE_CASES } from './subtle-cases.ts';

const CASES = [...REAL_WORLD, ...SUBTLE_CASES];

describe('real-world schema pairs', () => {
  let sqlite: SqlJsStatic;
  const outcome = { passed: 0 };

  beforeAll(async () => {
    sqlite = await loadSqlJs();
  });

  afterAll(() => {
    const known = CASES.filter((c) => c.known).length;
    const counts = (kind: string) => CASES.filter((c) => kindOf(c) === kind).length;
    console.log(
      `real-world: ${CASES.length} cases (${counts('converges')} converge, ${counts('blockers')} block, ` +
        `${counts('planError')} refused, ${counts('applyError')} fail at apply); ` +
        `${outcome.passed} passed, ${known} known engine failures`,
    );
  });

  it('has distinct case names, each with a source and rows', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const c of CASES) {
      expect(c.source.length, c.name).toBeGreaterThan(0);
      expect(c.rows, c.name).toMatch(/INSERT INTO/i);
    }
  });

  for (const testCase of CASES) {
    const test = testCase.known ? it.fails : it;
    test(testCase.name, () => {
      const conn = openSqlJs(sqlite);
      try {
        conn.exec('PRAGMA foreign_keys = ON');
        conn.exec(testCase.before);
        conn.exec(testCase.rows);
        runCase(conn, testCase);
        outcome.passed++;
      } finally {
        conn.close();
      }
    });
  }
});

function kindOf(c: RealWorldCase): string {
  return typeof c.expect === 'string' ? c.expect : Object.keys(c.expect)[0]!;
}

function runCase(conn: SqlJsConnection, c: RealWorldCase): void {
  const options = c.options ?? {};
  const bytes = hashBytes(conn.export());
  const expectation = c.expect;

  if (expectation === 'converges') {
    const values = snapshot(conn, c);
    const plan = planMigration(conn, c.after, options);
    expect(plan.blockers).toEqual([]);
    if (c.steps) expect(plan.steps.map((s) => s.kind)).toEqual(c.steps);
    applyPlan(conn, plan);
    expect(diffCanonical(inspectSchema(conn), loadDesiredSchema(conn, c.after).schema)).toEqual([]);
    expect(planMigration(conn, c.after, c.oneShot ? {} : options).steps).toEqual([]);
    expect(conn.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(conn.query('PRAGMA foreign_key_check')).toEqual([]);
    expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(changedValues(conn, values)).toEqual([]);
    for (const check of c.checks ?? []) {
      if (check.fails) expect(() => conn.exec(check.sql), check.sql).toThrow();
      else if (check.rows === undefined) conn.exec(check.sql);
      else expect(conn.query(check.sql), check.sql).toEqual(check.rows);
    }
    return;
  }

  if ('planError' in expectation) {
    expect(codeOf(() => planMigration(conn, c.after, options))).toBe(expectation.planError);
  } else if ('applyError' in expectation) {
    const plan = planMigration(conn, c.after, options);
    expect(plan.blockers).toEqual([]);
    expect(codeOf(() => applyPlan(conn, plan))).toBe(expectation.applyError);
  } else {
    const plan = planMigration(conn, c.after, options);
    const found = plan.blockers.map((b) => ({ kind: b.kind, object: b.object, count: b.count }));
    expect(sortBlockers(found)).toEqual(sortBlockers(expectation.blockers));
    expect(codeOf(() => applyPlan(conn, plan))).toBe('blocked');
  }
  expect(hashBytes(conn.export())).toBe(bytes);
  expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
}

function sortBlockers<T extends { kind: string; object: string; count: number }>(list: T[]): string[] {
  return list.map((b) => `${b.kind} ${b.object} ${b.count}`).sort();
}

// --- Kept values ---------------------------------------------------------------------------------------

interface TableValues {
  /** Name after the migration. */
  table: string;
  key: string;
  /** Column name after → (row key → quote() text before). */
  columns: Map<string, Map<string, string>>;
}

const fold = (name: string) => name.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
const quoteName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Reads every value of every column the migration keeps, keyed by row, under the names it will have
 * afterwards (renames from the options and from the desired schema's hints).
 */
function snapshot(conn: SqlJsConnection, c: RealWorldCase): TableValues[] {
  const desired = loadDesiredSchema(conn, c.after);
  const renames = merge(desired.hints, c.options?.renames ?? {});
  const tableTo = new Map(Object.entries(renames.tables ?? {}).map(([from, to]) => [fold(from), to]));
  const result: TableValues[] = [];
  for (const table of inspectSchema(conn).tables) {
    if (table.kind !== 'table') continue;
    const toName = tableTo.get(fold(table.name)) ?? table.name;
    const target = desired.schema.tables.find((t) => fold(t.name) === fold(toName));
    if (target?.kind !== 'table') continue;
    const key = c.key?.[table.name] ?? defaultKey(table);
    const columns = new Map<string, Map<string, string>>();
    for (const column of table.columns) {
      if (column.generated || c.unchecked?.includes(`${table.name}.${column.name}`)) continue;
      const to =
        renames.columns?.[`${table.name}.${column.name}`] ??
        renames.columns?.[`${target.name}.${column.name}`] ??
        column.name;
      const kept = target.columns.find((d) => fold(d.name) === fold(to));
      if (!kept || kept.generated) continue;
      columns.set(kept.name, readColumn(conn, table.name, key, column.name));
    }
    result.push({ table: target.name, key, columns });
  }
  return result;
}

function changedValues(conn: SqlJsConnection, before: TableValues[]): string[] {
  const problems: string[] = [];
  for (const table of before) {
    for (const [column, values] of table.columns) {
      const after = readColumn(conn, table.table, table.key, column);
      for (const [key, value] of values) {
        const now = after.get(key);
        if (now !== value)
          problems.push(`${table.table}.${column} [${key}]: ${value} → ${now ?? '(row gone)'}`);
      }
      if (after.size !== values.size) problems.push(`${table.table}: ${values.size} rows → ${after.size}`);
    }
  }
  return problems;
}

function readColumn(conn: SqlJsConnection, table: string, key: string, column: string): Map<string, string> {
  const rows = conn.query(
    `SELECT quote(${key}) AS k, quote(${quoteName(column)}) AS v FROM ${quoteName(table)}`,
  );
  return new Map(rows.map((r) => [String(r.k), String(r.v)]));
}

/** The rowid (by a name no column shadows), or the primary key of a WITHOUT ROWID table. */
function defaultKey(table: Table): string {
  if (table.withoutRowid) {
    const pk = table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
    return pk.map((c) => `quote(${quoteName(c.name)})`).join(" || '|' || ");
  }
  const names = new Set(table.columns.map((c) => fold(c.name)));
  return ['_rowid_', 'rowid', 'oid'].find((alias) => !names.has(alias)) ?? '_rowid_';
}

function merge(hints: Renames, option: Renames): Renames {
  return {
    tables: { ...hints.tables, ...option.tables },
    columns: { ...hints.columns, ...option.columns },
  };
}
