/**
 * Declarative planning: from the live schema to the desired one with the cheapest correct steps.
 * The plan is rehearsed on a schema-only copy first; a table whose ALTERs would not reach the target
 * exactly is rebuilt instead, so a plan that comes out of here converges by construction.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import { canonicalTable, hashSchema } from './canonical.ts';
import {
  type CheckContext,
  type CheckResult,
  checkData,
  counted,
  createCheckContext,
  type Origin,
} from './checks.ts';
import { type DesiredSchema, loadDesiredSchema, type Renames } from './desired.ts';
import { diffTables, type TableChange } from './diff.ts';
import { MoltError } from './errors.ts';
import { findTable, inspectSchema } from './inspect.ts';
import { closingParen, mentionsAny, nameTokenIndex, quoteId } from './parse.ts';
import type { Plan, Step, Warning } from './plan-types.ts';
import { type ResolvedRenames, renameSteps, resolveRenames } from './renames.ts';
import { checkDuplicates, withRows } from './row-checks.ts';
import type { Index, Schema } from './schema.ts';
import { openSimulation, runStatements } from './simulate.ts';
import { assembleSteps } from './steps.ts';
import { codeTokens, foldName, isWord } from './tokens.ts';

export interface PlanOptions {
  /** Renames to apply, in addition to the `@renamed` hints in the schema. */
  renames?: Renames;
  /** Let the plan drop tables, columns and values that hold data (they become warnings). */
  allowDataLoss?: boolean;
}

/**
 * Plans the migration of `conn`'s database to the schema in `desiredSql`. Reads only.
 * @example
 * const plan = planMigration(conn, 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);');
 * if (plan.blockers.length === 0) applyPlan(conn, plan);
 */
export function planMigration(conn: SqliteConnection, desiredSql: string, options: PlanOptions = {}): Plan {
  const current = inspectSchema(conn);
  return planToSchema(conn, loadDesiredSchema(conn, desiredSql, { known: current }), options, current);
}

/** Plans against an already loaded desired schema (and, optionally, the current one). */
export function planToSchema(
  conn: SqliteConnection,
  desired: DesiredSchema,
  options: PlanOptions = {},
  current: Schema = inspectSchema(conn),
): Plan {
  const renames = resolveRenames(current, desired.schema, desired.hints, options.renames);
  const renamed = simulateRenames(conn, current, renames);
  const sqliteVersion = String(conn.query('SELECT sqlite_version() AS v')[0]!.v);
  const alterNotNull = versionAtLeast(sqliteVersion, 3, 53);

  const forceRebuild = new Set<string>(renames.viaRebuild.map((r) => foldName(r.table)));
  let changes: TableChange[] = [];
  let steps: Step[] = [];
  for (let attempt = 0; ; attempt++) {
    const kept = keptIndexes(renamed.indexes, desired.schema.indexes);
    changes = diffTables(renamed, desired.schema, kept, { forceRebuild, alterNotNull });
    steps = assembleSteps(current, renamed, desired.schema, renames, changes, kept);
    const misses = rehearse(current, conn, desired.schema, steps, changes, renames);
    const fresh = misses.filter((name) => !forceRebuild.has(name));
    if (misses.length === 0) break;
    if (fresh.length === 0 || attempt > 3) {
      throw new MoltError('plan-did-not-converge', 'the planner could not reach the target schema', {
        objects: misses,
      });
    }
    for (const name of fresh) forceRebuild.add(name);
  }

  const origin = originOf(renames);
  const context = createCheckContext(conn, origin, {
    allowDataLoss: options.allowDataLoss ?? false,
    current,
    desired: desired.schema,
  });
  checkData(context, changes);
  const checks = context.result;
  checkNewUniqueIndexes(context, changes, steps);
  const foreignKeyCheck = foreignKeyCheckTables(changes, desired.schema);
  checkExistingForeignKeys(context, foreignKeyCheck);
  const warnings: Warning[] = [...checks.warnings];
  for (const unused of renames.unused) {
    warnings.push({
      kind: 'unused-rename',
      object: unused,
      message: `rename ${unused} does not apply to this database`,
    });
  }
  if (desired.deprecatedHints > 0) {
    warnings.push({
      kind: 'deprecated-hint',
      object: 'schema',
      message: '@rename is deprecated: write @renamed from=old',
    });
  }
  markRisks(steps, checks);
  return {
    version: 1,
    fromHash: hashSchema(current),
    toHash: hashSchema(desired.schema),
    sqliteVersion,
    steps,
    warnings,
    blockers: checks.blockers,
    rebuilds: changes.filter((c) => c.kind === 'rebuild').map((c) => c.desired.name),
    foreignKeyCheck,
  };
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/** Applies the renames to a schema-only copy (without views and triggers, which cannot block them). */
function simulateRenames(conn: SqliteConnection, current: Schema, renames: ResolvedRenames): Schema {
  if (renames.tables.length === 0 && renames.columns.length === 0) return current;
  for (;;) {
    const sim = openSimulation(conn, { ...current, views: [], triggers: [] });
    try {
      const failed = renameSteps(current, renames).find((step) => runStatements(sim, step.statements));
      if (!failed)
        return {
          ...withRebuildRenames(inspectSchema(sim), renames),
          views: current.views,
          triggers: current.triggers,
        };
      if (failed.kind !== 'rename-column') {
        throw new MoltError('plan-did-not-converge', `renaming table ${failed.from} failed`, {
          table: failed.from,
        });
      }
      // SQLite refuses some column renames (a WITHOUT ROWID key that also sits in a UNIQUE constraint):
      // that table's renames move into its rebuild, which copies the column under its new name.
      const table = foldName(failed.table ?? '');
      renames.viaRebuild.push(...renames.columns.filter((c) => foldName(c.table) === table));
      renames.columns = renames.columns.filter((c) => foldName(c.table) !== table);
    } finally {
      sim.close();
    }
  }
}

/** Gives the columns renamed by a rebuild their new names in the model, remembering the stored ones. */
function withRebuildRenames(schema: Schema, renames: ResolvedRenames): Schema {
  if (renames.viaRebuild.length === 0) return schema;
  const tables = schema.tables.map((t) => {
    const mine = renames.viaRebuild.filter((r) => foldName(r.table) === foldName(t.name));
    if (mine.length === 0) return t;
    const columns = t.columns.map((c) => {
      const r = mine.find((x) => foldName(x.from) === foldName(c.name));
      return r ? { ...c, name: r.to, storedAs: c.name } : c;
    });
    return { ...t, columns };
  });
  return { ...schema, tables };
}

/** Indexes that exist now and stay exactly as they are. */
function keptIndexes(current: Index[], desired: Index[]): Index[] {
  const wanted = new Map(desired.map((i) => [foldName(i.name), i.definition]));
  return current.filter((i) => wanted.get(foldName(i.name)) === i.definition);
}

const REHEARSED: ReadonlySet<Step['kind']> = new Set([
  'rename-table',
  'rename-column',
  'drop-index',
  'drop-column',
  'alter-column',
  'add-column',
  'create-index',
]);

/**
 * Runs the in-place steps (renames and ALTERs) on a schema-only copy of the tables they touch and
 * returns the tables that did not come out exactly as desired. Everything else a plan does is created
 * from the desired SQL itself (new tables, rebuilds, indexes, views, triggers) and needs no rehearsal.
 */
function rehearse(
  current: Schema,
  conn: SqliteConnection,
  desired: Schema,
  steps: Step[],
  changes: TableChange[],
  renames: ResolvedRenames,
): string[] {
  const toOriginal = new Map(renames.tables.map((r) => [foldName(r.to), foldName(r.from)]));
  const original = (name: string) => toOriginal.get(foldName(name)) ?? foldName(name);
  const inPlace = changes.filter((c) => c.kind === 'alter' || c.kind === 'unchanged');
  const involved = new Set<string>();
  // ADD COLUMN appends the definition as written, so a table that only gains columns (each one checked
  // against the documented rules by diffTables) cannot come out differently; everything else rehearses.
  for (const c of changes) {
    if (c.kind === 'alter' && (c.dropped.length > 0 || c.notNull.length > 0))
      involved.add(original(c.desired.name));
  }
  for (const r of renames.tables) involved.add(foldName(r.from));
  for (const c of renames.columns) involved.add(original(c.table));
  const renamedFrom = new Set(renames.tables.map((r) => foldName(r.from)));
  if (renamedFrom.size > 0) {
    for (const t of current.tables) if (mentionsAny(t.sql, renamedFrom)) involved.add(foldName(t.name));
  }
  if (involved.size === 0) return [];
  const subset: Schema = {
    tables: current.tables.filter((t) => involved.has(foldName(t.name))),
    indexes: current.indexes.filter((i) => involved.has(foldName(i.table))),
    views: [],
    triggers: [],
  };
  // A rebuilt table is created from the desired SQL, so only its renames are rehearsed (they rewrite
  // other tables' references); its indexes go with the rebuild.
  const rebuilt = new Set(changes.filter((c) => c.kind === 'rebuild').map((c) => foldName(c.desired.name)));
  const sim = openSimulation(conn, subset);
  try {
    for (const step of steps) {
      if (!REHEARSED.has(step.kind)) continue;
      const table = step.kind === 'rename-table' ? (step.from ?? step.object) : (step.table ?? step.object);
      if (step.kind !== 'rename-table' && !involved.has(original(table))) continue;
      if (rebuilt.has(foldName(table)) && step.kind !== 'rename-column') continue;
      if (runStatements(sim, step.statements)) return [foldName(step.table ?? step.object)];
    }
    const result = inspectSchema(sim);
    const misses: string[] = [];
    for (const c of inPlace) {
      if (!involved.has(original(c.desired.name))) continue;
      const got = findTable(result, c.desired.name);
      const indexes = (schema: Schema) =>
        schema.indexes
          .filter((i) => foldName(i.table) === foldName(c.desired.name))
          .map((i) => `${foldName(i.name)} ${i.definition}`)
          .sort()
          .join('\n');
      const same =
        got !== undefined &&
        JSON.stringify(canonicalTable(got)) === JSON.stringify(canonicalTable(c.desired)) &&
        indexes(result) === indexes(desired);
      if (!same) misses.push(foldName(c.desired.name));
    }
    return misses;
  } finally {
    sim.close();
  }
}

function originOf(renames: ResolvedRenames): Origin {
  const tables = new Map(renames.tables.map((r) => [foldName(r.to), r.from]));
  const columns = new Map(
    [...renames.columns, ...renames.viaRebuild].map((c) => [
      `${foldName(c.table)}.${foldName(c.to)}`,
      c.from,
    ]),
  );
  return {
    table: (name) => tables.get(foldName(name)) ?? name,
    column: (table, column) => columns.get(`${foldName(table)}.${foldName(column)}`) ?? column,
  };
}

/** Unique indexes created over existing rows: duplicates would make CREATE UNIQUE INDEX fail. */
function checkNewUniqueIndexes(context: CheckContext, changes: TableChange[], steps: Step[]): void {
  const { conn, origin } = context;
  for (const step of steps) {
    if (step.kind !== 'create-index') continue;
    const index = context.desired.indexes.find((i) => foldName(i.name) === foldName(step.object));
    const change = changes.find(
      (c) => c.kind !== 'drop' && foldName(c.desired.name) === foldName(step.table ?? ''),
    );
    if (!index?.unique || !change || change.kind === 'create' || change.kind === 'drop') continue;
    const table = quoteId(origin.table(change.current.name));
    if (conn.query(`SELECT 1 AS x FROM ${table} LIMIT 1`).length === 0) continue;
    const parts = indexParts(index.sql);
    if (!parts) continue;
    withRows(context, change.current, change.desired, (rows) =>
      checkDuplicates(context, rows, parts.keys, index.table, `UNIQUE INDEX ${index.name}`, parts.where),
    );
  }
}

/** The key expressions and WHERE clause of a CREATE INDEX statement. */
function indexParts(sql: string): { keys: string[]; where: string } | null {
  const tokens = codeTokens(sql);
  const open = tokens.findIndex((t, i) => i > nameTokenIndex(tokens) + 1 && t.text === '(');
  if (open < 0) return null;
  const close = closingParen(tokens, open);
  const keys: string[] = [];
  let part: typeof tokens = [];
  const flush = () => {
    while (part.length > 1 && (isWord(part[part.length - 1], 'asc') || isWord(part[part.length - 1], 'desc')))
      part.pop();
    if (part.length) keys.push(sql.slice(part[0]!.start, part[part.length - 1]!.end));
    part = [];
  };
  let depth = 0;
  for (const t of tokens.slice(open + 1, close)) {
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (depth === 0 && t.text === ',') flush();
    else part.push(t);
  }
  flush();
  const whereAt = tokens.findIndex((t, i) => i > close && isWord(t, 'where'));
  const where = whereAt < 0 ? '' : sql.slice(tokens[whereAt + 1]!.start, tokens[tokens.length - 1]!.end);
  return { keys, where };
}

/** Marks the steps that drop data, from what the data checks found. */
function markRisks(steps: Step[], checks: CheckResult): void {
  const lossy = new Set(
    [
      ...checks.blockers.filter((b) => b.kind === 'data-loss' || b.kind === 'possible-rename'),
      ...checks.warnings.filter((w) => w.kind === 'data-loss-allowed'),
    ].map((x) => foldName(x.object)),
  );
  for (const step of steps) {
    const object = foldName(step.kind === 'drop-column' ? `${step.table}.${step.object}` : step.object);
    const hit =
      lossy.has(object) ||
      (step.kind === 'rebuild-table' && [...lossy].some((o) => o.startsWith(`${object}.`)));
    if (hit && (step.kind === 'drop-table' || step.kind === 'drop-column' || step.kind === 'rebuild-table'))
      step.risk = 'data-loss';
  }
}

/** Tables whose foreign keys the apply must check: changed ones, and children of changed ones. */
function foreignKeyCheckTables(changes: TableChange[], desired: Schema): string[] {
  const changed = new Set(
    changes.filter((c) => c.kind !== 'unchanged' && c.kind !== 'drop').map((c) => foldName(c.desired.name)),
  );
  for (const c of changes) if (c.kind === 'drop') changed.add(foldName(c.current.name));
  return desired.tables
    .filter((t) => t.foreignKeys.length > 0)
    .filter(
      (t) => changed.has(foldName(t.name)) || t.foreignKeys.some((fk) => changed.has(foldName(fk.table))),
    )
    .map((t) => t.name);
}

/**
 * Rows that already violate a foreign key (written while enforcement was off) would fail the check the
 * apply runs after its steps: say so now, with the rows. A foreign key SQLite cannot even check (its
 * parent key is not unique) is left to the apply, which checks it against the new schema.
 */
function checkExistingForeignKeys(context: CheckContext, tables: string[]): void {
  const { conn, origin, current } = context;
  for (const name of tables) {
    const table = origin.table(name);
    if (!findTable(current, table)) continue;
    let rows: Record<string, unknown>[];
    try {
      rows = conn.query('SELECT rowid AS k, parent FROM pragma_foreign_key_check(?)', [table]);
    } catch {
      continue;
    }
    if (rows.length === 0) continue;
    context.result.blockers.push({
      kind: 'foreign-key-violation',
      object: name,
      message: `${counted(rows.length, 'row')} of ${name} already ${rows.length === 1 ? 'references' : 'reference'} missing rows of ${[...new Set(rows.map((r) => r.parent))].join(', ')}`,
      count: rows.length,
      rows: rows.slice(0, 10).map((r) => r.k),
      hint: 'delete or fix those rows first (they were written while foreign keys were not enforced)',
    });
  }
}
