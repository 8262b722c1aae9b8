/**
 * The migration property, checked on one random scenario (see test/engine/property.test.ts):
 * planMigration either refuses an invalid schema or blocks without touching the database, or applyPlan
 * reaches the pristine target with every kept value intact, or fails and leaves the bytes identical.
 */
import { expect } from 'vitest';
import {
  applyPlan,
  diffCanonical,
  inspectSchema,
  isMoltError,
  loadDesiredSchema,
  type Plan,
  planMigration,
} from '../../src/engine/index.ts';
import { openSqlJs, type SqlJsConnection, type SqlJsStatic } from '../../src/sqlite/index.ts';
import { codeOf, hashBytes } from './outcomes.ts';
import { generateScenario, insertRandomRows, type Scenario } from './random-migration.ts';
import type { Choices, ColumnModel, TableModel } from './random-schema.ts';
import {
  compareKept,
  fold,
  type KeptMapping,
  lostValues,
  quoteName,
  rowsAsSql,
  snapshotValues,
} from './rows.ts';
import { rowsFitSchema, schemaFacts } from './sqlite-facts.ts';

export interface ScenarioOptions {
  /** Treat an apply that fails after planning found no blocker as a failure (to hunt for them). */
  strictApply?: boolean;
}

/**
 * Draws a scenario from `ch`, runs it on a fresh database and returns its outcome ('applied',
 * 'blocked', 'schema-invalid', 'apply failed (code)'). Throws with the scenario as SQL when the
 * property does not hold. `probe` is a scratch database for predicting SQLite's conversions.
 */
export function runScenario(
  sqlite: SqlJsStatic,
  probe: SqlJsConnection,
  ch: Choices,
  options: ScenarioOptions = {},
): string {
  const scenario = generateScenario(ch);
  const conn = openSqlJs(sqlite);
  let rows = '';
  try {
    conn.exec('PRAGMA foreign_keys = ON');
    conn.exec(scenario.currentSql);
    insertRandomRows(ch, conn, scenario.current);
    rows = rowsAsSql(snapshotValues(conn));
    return checkScenario(sqlite, conn, probe, scenario, options);
  } catch (error) {
    const options = JSON.stringify({ renames: scenario.renames, allowDataLoss: scenario.allowDataLoss });
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n` +
        `-- current (PRAGMA foreign_keys = ON)\n${scenario.currentSql}\n${rows}\n` +
        `-- desired\n${scenario.desiredSql}\n-- planMigration options: ${options}`,
    );
  } finally {
    conn.close();
  }
}

/**
 * What SQLite itself says about the result (pragmas, defaults, view columns) is what it says about a
 * fresh database built from the desired SQL, and the result's rows fit that database.
 */
function expectSameFacts(
  sqlite: SqlJsStatic,
  probe: SqlJsConnection,
  conn: SqlJsConnection,
  sql: string,
): void {
  const fresh = openSqlJs(sqlite);
  try {
    fresh.exec(sql);
    expect(schemaFacts(conn, probe), 'SQLite reads the result differently from the target').toEqual(
      schemaFacts(fresh, probe),
    );
  } finally {
    fresh.close();
  }
  expect(rowsFitSchema(sqlite, sql, conn), 'rows of the result that the target refuses').toEqual([]);
}

function checkScenario(
  sqlite: SqlJsStatic,
  conn: SqlJsConnection,
  probe: SqlJsConnection,
  scenario: Scenario,
  options: ScenarioOptions,
): string {
  const bytes = hashBytes(conn.export());
  const before = snapshotValues(conn);
  const sequences = readSequences(conn);
  let plan: Plan;
  try {
    plan = planMigration(conn, scenario.desiredSql, {
      renames: scenario.renames,
      allowDataLoss: scenario.allowDataLoss,
    });
  } catch (error) {
    expect(hashBytes(conn.export()), 'planning changed the database').toBe(bytes);
    if (scenario.invalid !== null && isMoltError(error, 'schema-invalid')) return 'schema-invalid';
    throw error;
  }
  expect(scenario.invalid, 'an invalid desired schema was planned').toBeNull();
  expect(hashBytes(conn.export()), 'planning changed the database').toBe(bytes);

  if (plan.blockers.length > 0) {
    expect(codeOf(() => applyPlan(conn, plan))).toBe('blocked');
    expect(hashBytes(conn.export()), 'a blocked plan changed the database').toBe(bytes);
    return 'blocked';
  }

  try {
    applyPlan(conn, plan);
  } catch (error) {
    expect(hashBytes(conn.export()), 'a failed apply changed the database').toBe(bytes);
    expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    if (options.strictApply) throw error;
    return `apply failed (${isMoltError(error) ? error.code : String(error)})`;
  }

  const pristine = loadDesiredSchema(conn, scenario.desiredSql).schema;
  expect(diffCanonical(inspectSchema(conn), pristine), 'the result is not the desired schema').toEqual([]);
  expectSameFacts(sqlite, probe, conn, scenario.desiredSql);
  expect(planMigration(conn, scenario.desiredSql).steps, 'planning again found steps').toEqual([]);
  expect(conn.query('PRAGMA foreign_key_check')).toEqual([]);
  expect(conn.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(conn.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);

  const mapping = modelMapping(scenario);
  if (!scenario.allowDataLoss) {
    expect(lostValues(before, mapping), 'values were dropped without allowDataLoss').toEqual([]);
  }
  const values = new KeptValues(probe, scenario);
  const after = snapshotValues(conn);
  expect(
    compareKept(before, after, mapping, {
      expected: (table, column, value) => values.expected(table, column, value),
      keepsRowids: (table) => values.keepsRowids(table),
    }),
    'kept values changed',
  ).toEqual([]);
  const warned = new Set(
    plan.warnings
      .filter((w) => ['type-change', 'data-loss-allowed', 'fill-default'].includes(w.kind))
      .map((w) => fold(w.object)),
  );
  for (const column of values.changed) {
    expect(warned, `${column} changed values without a warning`).toContain(column);
  }
  checkSequences(sequences, readSequences(conn), scenario, mapping);
  return 'applied';
}

/** Kept tables and columns, by the ids the scenario gave them (a hinted rename keeps the id). */
function modelMapping(scenario: Scenario): KeptMapping {
  const table = (name: string) => {
    const id = scenario.current.tables.find((t) => fold(t.name) === fold(name))?.id;
    return scenario.desired.tables.find((t) => t.id === id);
  };
  return {
    table: (name) => table(name)?.name,
    column(tableName, column) {
      const was = scenario.current.tables.find((t) => fold(t.name) === fold(tableName));
      const id = was?.columns.find((c) => fold(c.name) === fold(column))?.id;
      return table(tableName)?.columns.find((c) => c.id === id)?.name;
    },
  };
}

/**
 * What each kept value must be after the migration: itself, unless its column changed type (then what
 * SQLite makes of it when stored in the new column) or became NOT NULL with a DEFAULT (a NULL gets the
 * default). Columns where that differs from the value before are collected in `changed`.
 */
class KeptValues {
  readonly changed = new Set<string>();

  constructor(
    private readonly probe: SqlJsConnection,
    private readonly scenario: Scenario,
  ) {}

  keepsRowids(tableName: string): boolean {
    const pair = this.pair(tableName);
    if (!pair) return true;
    const [was, now] = pair;
    return aliasOf(now) === undefined || aliasOf(now) === aliasOf(was);
  }

  expected(tableName: string, columnName: string, value: string): string | undefined {
    const pair = this.pair(tableName);
    const was = pair?.[0].columns.find((c) => fold(c.name) === columnName);
    const now = pair?.[1].columns.find((c) => c.id === was?.id);
    if (!pair || !was || !now) return value;
    const [from, to] = pair;
    const alias = aliasOf(to);
    if (alias === now.id && alias !== aliasOf(from) && value === 'NULL') return undefined; // a new rowid
    let next = value;
    const fills = value === 'NULL' && notNull(to, now) && now.default !== null && now.default !== 'NULL';
    if (fills) {
      if (now.default === 'CURRENT_TIMESTAMP') return undefined;
      next = String(this.probe.query(`SELECT quote(${now.default}) AS v`)[0]!.v);
    }
    if (fills || fold(was.type) !== fold(now.type) || from.strict !== to.strict || alias === now.id) {
      next = this.convert(next, alias === now.id ? 'INTEGER' : now.type, to.strict);
    }
    if (next !== value) this.changed.add(fold(`${to.name}.${now.name}`));
    return next;
  }

  private pair(tableName: string): [TableModel, TableModel] | undefined {
    const was = this.scenario.current.tables.find((t) => fold(t.name) === fold(tableName));
    const now = this.scenario.desired.tables.find((t) => t.id === was?.id);
    return was && now ? [was, now] : undefined;
  }

  /** The value SQLite stores when `literal` is inserted into a column of this type. */
  private convert(literal: string, type: string, strict: boolean): string {
    const table = quoteName(`probe ${type} ${strict ? 'strict' : ''}`);
    this.probe.exec(`CREATE TABLE IF NOT EXISTS ${table} (v ${type})${strict ? ' STRICT' : ''}`);
    try {
      this.probe.exec(`DELETE FROM ${table}`);
      this.probe.exec(`INSERT INTO ${table} VALUES (${literal})`);
      return String(this.probe.query(`SELECT quote(v) AS v FROM ${table}`)[0]!.v);
    } catch {
      return `<${literal} does not fit ${type}>`;
    }
  }
}

/** NOT NULL as SQLite enforces it: declared, or implied for the key of a STRICT or WITHOUT ROWID table. */
function notNull(table: TableModel, column: ColumnModel): boolean {
  const pk = table.primaryKey;
  const inKey =
    pk.kind === 'alias' ? pk.column === column.id : pk.kind === 'key' && pk.columns.includes(column.id);
  return column.notNull || (inKey && (table.strict || table.withoutRowid));
}

/** The column that aliases the rowid (a single-column INTEGER PRIMARY KEY), by id. */
function aliasOf(table: TableModel): number | undefined {
  if (table.withoutRowid) return undefined;
  const pk = table.primaryKey;
  const id =
    pk.kind === 'alias'
      ? pk.column
      : pk.kind === 'key' && pk.columns.length === 1
        ? pk.columns[0]
        : undefined;
  const column = table.columns.find((c) => c.id === id);
  return column && column.type.toUpperCase() === 'INTEGER' ? column.id : undefined;
}

/** AUTOINCREMENT never reuses an id: a kept table's counter does not go down. */
function checkSequences(
  before: Map<string, number>,
  after: Map<string, number>,
  scenario: Scenario,
  mapping: KeptMapping,
): void {
  for (const table of scenario.current.tables) {
    const target = mapping.table(table.name);
    const next = scenario.desired.tables.find((t) => t.name === target);
    const seq = before.get(fold(table.name));
    if (!next || !autoincrement(table) || !autoincrement(next) || seq === undefined) continue;
    expect(
      after.get(fold(next.name)) ?? 0,
      `the AUTOINCREMENT counter of ${next.name}`,
    ).toBeGreaterThanOrEqual(seq);
  }
}

function readSequences(conn: SqlJsConnection): Map<string, number> {
  if (conn.query("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").length === 0) return new Map();
  return new Map(
    conn.query('SELECT name, seq FROM sqlite_sequence').map((r) => [fold(String(r.name)), Number(r.seq)]),
  );
}

function autoincrement(table: TableModel): boolean {
  return table.primaryKey.kind === 'alias' && table.primaryKey.autoincrement;
}
