/**
 * `testHistory`: for every past release, build its database, fill it with generated rows, run the
 * startup path exactly as the worker does (pending versioned migrations, then the declared schema, in
 * one transaction with foreign keys on), and prove that it converges and keeps every row and value.
 */
import { hashSchema } from '../engine/canonical.ts';
import { loadDesiredSchema, type Renames } from '../engine/desired.ts';
import { type ErrorData, MoltError, toErrorData } from '../engine/errors.ts';
import { inspectSchema } from '../engine/inspect.ts';
import type { Migration } from '../engine/ledger.ts';
import { checkMigration, type MigrateOptions, type MigrateReport, migrate } from '../engine/migrate.ts';
import type { Blocker, Warning } from '../engine/plan-types.ts';
import type { SqliteConnection } from '../sqlite/port.ts';
import { type FillReport, fillDatabase } from './fill.ts';
import { declaredRenames, keptMapping, migrationRenames, type RenameEvent } from './mapping.ts';
import { type Repro, shrinkFailure } from './shrink.ts';
import { compareValues, type Difference, readValues } from './snapshot.ts';

/** A release the app shipped: what it declared, as its worker was given it. */
export interface Release {
  /** How the release is named in the report (a version, a tag, a commit). */
  name: string;
  /** The declared schema (CREATE statements) of that release. */
  schema?: string;
  /** The versioned migrations that release shipped; its databases ran all of them. */
  migrations?: readonly Migration[];
  /** Losing data on the way from this release is expected: listed, not failed, and allowed to run. */
  allowDataLoss?: boolean;
}

/** The app as it is now: what its worker's `serve()` is given. */
export interface CurrentApp {
  schema?: string;
  migrations?: readonly Migration[];
  renames?: Renames;
  allowDataLoss?: boolean;
  /** Foreign keys enforced on the connection, as `serve({ foreignKeys })` (default true). */
  foreignKeys?: boolean;
}

export interface TestHistoryOptions {
  releases: readonly Release[];
  current: CurrentApp;
  /** Rows generated per table (default 100). */
  rows?: number;
  /** Seed of the generated rows (default 1): the same seed gives the same rows. */
  seed?: string | number;
  /** Look for the fewest rows that still fail (default true); at most `maxRuns` reruns per failure. */
  shrink?: boolean | { maxRuns?: number };
  onProgress?: (progress: { release: string; index: number; total: number }) => void;
}

/** Something that makes a release fail (or, with `allowDataLoss`, that it was allowed to lose). */
export type Problem =
  | { kind: 'blocked'; blocker: Blocker }
  | { kind: 'failed'; error: ErrorData }
  | { kind: 'not-converged'; message: string; details: unknown }
  | Difference;

export type Outcome = 'converged' | 'blocked' | 'failed' | 'not-converged' | 'lost' | 'changed' | 'error';

export interface ReleaseReport {
  name: string;
  /**
   * `converged`: reached the current schema with every kept row and value. `blocked`: the plan has
   * blockers. `failed`: a migration or check failed. `not-converged`: the result is not the current
   * schema. `lost`: tables, columns or rows are gone. `changed`: kept values read differently.
   * `error`: the release itself could not be built (its schema or migrations are broken).
   */
  outcome: Outcome;
  ok: boolean;
  problems: Problem[];
  /** Losses this release was allowed (`allowDataLoss`). */
  allowed: Problem[];
  /** NULLs of kept columns that hold a value afterwards (defaults filled, backfills). */
  filled: number;
  /** Rows generated per table. */
  tables: FillReport['tables'];
  migration: {
    status: MigrateReport['status'] | null;
    migrationsRun: number;
    steps: number;
    warnings: Warning[];
  };
  /** The fewest rows (and, without migrations, tables) that still show the first problem. */
  repro: Repro | null;
  durationMs: number;
}

export interface HistoryReport {
  ok: boolean;
  rows: number;
  seed: string;
  /** Hash of the schema a fresh install of the current app has. */
  schemaHash: string;
  releases: ReleaseReport[];
  durationMs: number;
}

export const DEFAULT_ROWS = 100;
export const DEFAULT_SEED = '1';
export const DEFAULT_SHRINK_RUNS = 200;

/**
 * Proves that a database of every past release migrates to the current app without losing a value.
 * `conn` is any connection of the SQLite implementation to use; each release gets a scratch database
 * of its own (`conn.openScratch()`), and `conn` itself is not touched.
 * @example
 * const report = testHistory(openSqlJs(await loadSqlJs()), {
 *   releases: [{ name: 'v1', schema: v1 }, { name: 'v2', schema: v2 }],
 *   current: { schema },
 * });
 * if (!report.ok) console.log(report.releases.filter((r) => !r.ok));
 */
export function testHistory(conn: SqliteConnection, options: TestHistoryOptions): HistoryReport {
  const started = clock();
  const rows = options.rows ?? DEFAULT_ROWS;
  if (!Number.isInteger(rows) || rows < 0)
    throw new MoltError('invalid-argument', `rows must be a whole number ≥ 0, not ${rows}`);
  const seed = String(options.seed ?? DEFAULT_SEED);
  const schemaHash = freshSchemaHash(conn, options.current);
  const hints = options.current.schema === undefined ? {} : schemaHints(conn, options.current.schema);
  const releases = options.releases.map((release, index) => {
    options.onProgress?.({ release: release.name, index: index + 1, total: options.releases.length });
    const context: ReleaseContext = { conn, release, current: options.current, schemaHash, hints };
    const report = testRelease(context, { rows, seed });
    const shrink = options.shrink ?? true;
    if (!report.ok && report.outcome !== 'error' && shrink !== false) {
      report.repro = shrinkFailure(context, report.problems[0]!, {
        maxRuns: (typeof shrink === 'object' ? shrink.maxRuns : undefined) ?? DEFAULT_SHRINK_RUNS,
        rows,
        seed,
      });
    }
    return report;
  });
  return {
    ok: releases.every((r) => r.ok),
    rows,
    seed,
    schemaHash,
    releases,
    durationMs: clock() - started,
  };
}

/** What one release's run needs; shrinking reruns it with other rows. */
export interface ReleaseContext {
  conn: SqliteConnection;
  release: Release;
  current: CurrentApp;
  schemaHash: string;
  hints: Renames;
}

function testRelease(context: ReleaseContext, fill: { rows: number; seed: string }): ReleaseReport {
  const started = clock();
  const { release } = context;
  const report: ReleaseReport = {
    name: release.name,
    outcome: 'converged',
    ok: true,
    problems: [],
    allowed: [],
    filled: 0,
    tables: [],
    migration: { status: null, migrationsRun: 0, steps: 0, warnings: [] },
    repro: null,
    durationMs: 0,
  };
  const db = context.conn.openScratch();
  try {
    const built = buildRelease(db, context);
    if (built) {
      report.problems.push({ kind: 'failed', error: built });
      report.outcome = 'error';
      report.ok = false;
      return report;
    }
    report.tables = fillDatabase(db, { rows: fill.rows, seed: `${fill.seed}:${release.name}` }).tables;
    Object.assign(report, upgrade(db, context));
    return report;
  } finally {
    db.close();
    report.durationMs = clock() - started;
  }
}

/**
 * Builds a release's database as that release's worker did on a new device: its migrations, then
 * its schema. Returns the error when the release itself is broken.
 */
export function buildRelease(db: SqliteConnection, context: ReleaseContext): ErrorData | null {
  if (context.current.foreignKeys !== false) db.exec('PRAGMA foreign_keys = ON');
  const { release } = context;
  const result = migrate(db, {
    migrations: release.migrations ?? [],
    ...(release.schema === undefined ? {} : { schema: release.schema }),
    allowDataLoss: true,
  });
  if (result.status === 'applied' || result.status === 'up-to-date') return null;
  const error = result.error ?? {
    code: 'blocked',
    message: 'the release schema is blocked on an empty database',
  };
  return { ...error, message: `release ${release.name} cannot be built: ${error.message}` };
}

/** What the upgrade of a filled database found. */
export type UpgradeResult = Pick<
  ReleaseReport,
  'outcome' | 'ok' | 'problems' | 'allowed' | 'filled' | 'migration'
>;

/**
 * Runs the startup path on a filled release database, as `serve()` does when the app opens it, then
 * checks the result against the values read before.
 */
export function upgrade(db: SqliteConnection, context: ReleaseContext): UpgradeResult {
  const { release, current } = context;
  const before = readValues(db);
  const options: MigrateOptions = {
    migrations: current.migrations ?? [],
    ...(current.schema === undefined ? {} : { schema: current.schema }),
    allowDataLoss: Boolean(current.allowDataLoss || release.allowDataLoss),
    ...(current.renames ? { renames: current.renames } : {}),
  };
  const check = checkMigration(db, options);
  const report = check.status === 'pending' ? migrate(db, { ...options, plan: check.plan }) : check;
  const result: UpgradeResult = {
    outcome: 'converged',
    ok: true,
    problems: [],
    allowed: [],
    filled: 0,
    migration: {
      status: report.status,
      migrationsRun: report.migrations.filter((m) => m.status === 'applied').length,
      steps: report.schemaSteps.length,
      warnings: report.plan?.warnings ?? [],
    },
  };
  if (report.status === 'blocked') {
    result.problems = (report.plan?.blockers ?? []).map((blocker) => ({ kind: 'blocked', blocker }));
  } else if (report.status === 'failed') {
    result.problems = [
      {
        kind: 'failed',
        error: report.error ?? { code: 'migration-failed', message: 'the migration failed' },
      },
    ];
  } else {
    result.problems.push(...convergence(db, context, options));
    const pending = (current.migrations ?? []).filter(
      (m) => !(release.migrations ?? []).some((r) => r.id === m.id),
    );
    const events: RenameEvent[] = [
      ...migrationRenames(pending),
      ...declaredRenames(context.hints),
      ...declaredRenames(current.renames ?? {}),
    ];
    const comparison = compareValues(before, readValues(db), keptMapping(inspectSchema(db), events));
    result.filled = comparison.filled;
    if (release.allowDataLoss) result.allowed = comparison.differences;
    else result.problems.push(...comparison.differences);
  }
  result.outcome = outcomeOf(result.problems);
  result.ok = result.problems.length === 0;
  return result;
}

/** A second start finds nothing to do, and the schema is the one a fresh install gets. */
function convergence(db: SqliteConnection, context: ReleaseContext, options: MigrateOptions): Problem[] {
  const problems: Problem[] = [];
  const again = checkMigration(db, options);
  if (again.status !== 'up-to-date') {
    problems.push({
      kind: 'not-converged',
      message: `a second start still has work to do (${again.status})`,
      details: { steps: again.plan?.steps.map((s) => `${s.kind} ${s.object}`) ?? [], error: again.error },
    });
  }
  const hash = hashSchema(inspectSchema(db));
  if (hash !== context.schemaHash) {
    problems.push({
      kind: 'not-converged',
      message: 'the upgraded schema differs from the schema of a fresh install',
      details: { expected: context.schemaHash, actual: hash },
    });
  }
  return problems;
}

function outcomeOf(problems: readonly Problem[]): Outcome {
  const first = problems[0];
  if (!first) return 'converged';
  switch (first.kind) {
    case 'blocked':
    case 'failed':
    case 'not-converged':
      return first.kind;
    case 'table-dropped':
    case 'column-dropped':
    case 'rows-lost':
      return 'lost';
    case 'value-changed':
      return 'changed';
    default: {
      const never: never = first;
      return never;
    }
  }
}

/** The schema of a fresh install of the current app: its migrations and schema on an empty database. */
export function freshSchemaHash(conn: SqliteConnection, current: CurrentApp): string {
  const db = conn.openScratch();
  try {
    if (current.foreignKeys !== false) db.exec('PRAGMA foreign_keys = ON');
    const report = migrate(db, {
      migrations: current.migrations ?? [],
      ...(current.schema === undefined ? {} : { schema: current.schema }),
      allowDataLoss: true,
    });
    if (report.status !== 'applied' && report.status !== 'up-to-date') {
      const error = report.error ?? { code: 'blocked', message: 'blocked on an empty database' };
      throw new MoltError(error.code, `the current app cannot be installed: ${error.message}`, error.details);
    }
    return hashSchema(inspectSchema(db));
  } finally {
    db.close();
  }
}

/** The rename hints written in a schema's comments. */
export function schemaHints(conn: SqliteConnection, schema: string): Renames {
  try {
    return loadDesiredSchema(conn, schema).hints;
  } catch (error) {
    throw new MoltError(
      'schema-invalid',
      `the current schema: ${toErrorData(error).message}`,
      toErrorData(error).details,
    );
  }
}

function clock(): number {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance ? performance.now() : Date.now();
}
