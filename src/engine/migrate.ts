/**
 * Versioned migrations and declarative convergence together, in ONE transaction: all pending
 * migrations in id order, then the plan to the declared schema, then the checks and the ledger rows.
 * Expected failures come back as a report (Kysely's migrator does the same), never as a throw.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import {
  type ApplyReport,
  checkForeignKeys,
  checkStartingSchema,
  type Progress,
  runPlanSteps,
  verifyPlanResult,
  withMigrationTransaction,
} from './apply.ts';
import { type DesiredSchema, loadDesiredSchema, type Renames } from './desired.ts';
import { type ErrorData, MoltError, toErrorData } from './errors.ts';
import { inspectSchema } from './inspect.ts';
import {
  checkLedger,
  createLedger,
  type Migration,
  type MigrationContext,
  migrationChecksum,
  migrationKind,
  readLedger,
  readUserVersion,
  recordMigration,
  sortMigrations,
} from './ledger.ts';
import { planToSchema } from './plan.ts';
import type { Plan } from './plan-types.ts';
import { splitStatements } from './tokens.ts';

export interface MigrateOptions {
  migrations?: readonly Migration[];
  /**
   * The plan `checkMigration` made, reused when no versioned migration is pending (it is checked
   * against the database's schema hash before it runs).
   */
  plan?: Plan | null;
  /** The declared schema (CREATE statements) to converge to after the migrations. */
  schema?: string;
  /** Report what would run; change nothing at all. */
  dryRun?: boolean;
  allowDataLoss?: boolean;
  renames?: Renames;
  /** Accept migrations whose text changed after they ran. */
  allowChecksumDrift?: boolean;
  /** The snapshot taken before this run, recorded in the ledger rows. */
  snapshotId?: string | null;
  onProgress?: (progress: MigrateProgress) => void;
  /** Clock for `applied_at` (tests inject one). */
  now?: () => Date;
}

export type MigrateProgress =
  | { phase: 'migration'; id: string; index: number; total: number }
  | ({ phase: 'schema' } & Progress)
  | { phase: 'checks' };

export type MigrationStatus = 'applied' | 'failed' | 'not-run' | 'rolled-back' | 'would-run';

export interface MigrationResult {
  id: string;
  kind: 'sql' | 'function';
  status: MigrationStatus;
  durationMs?: number;
  /** Rows inserted, updated or deleted by the migration. */
  rowsChanged?: number;
  error?: ErrorData;
}

export interface MigrateReport {
  /**
   * `applied`: everything ran and committed. `up-to-date`: nothing to do, nothing written.
   * `dry-run`: what would run. `blocked`: the declarative plan has blockers; nothing changed.
   * `failed`: a check or a step failed; nothing changed. `pending`: from `checkMigration` only, there
   * is work to do.
   */
  status: 'applied' | 'up-to-date' | 'dry-run' | 'blocked' | 'failed' | 'pending';
  migrations: MigrationResult[];
  /** Migrations that had already run before this call. */
  alreadyApplied: number;
  /** The declarative plan, made after the pending migrations. */
  plan: Plan | null;
  schemaSteps: ApplyReport['steps'];
  error: ErrorData | null;
  userVersion: { before: number; after: number };
  durationMs: number;
}

/**
 * Brings the database up to date: pending migrations, then the declared schema. Returns a report; the
 * database is either fully migrated or exactly as it was.
 * @example
 * const report = migrate(conn, { migrations: [{ id: '0001', up: 'CREATE TABLE t (x)' }] });
 * if (report.status === 'failed') console.error(report.error);
 */
export function migrate(conn: SqliteConnection, options: MigrateOptions = {}): MigrateReport {
  const prepared = prepare(conn, options);
  if (prepared.outcome) return prepared.finish(prepared.outcome);
  if (options.dryRun && prepared.pending.length === 0) return prepared.finish('dry-run');
  const { known, pending, desired, report, finish } = prepared;
  return runBatch(conn, known, pending, desired, options, report, finish);
}

/**
 * What `migrate` would find, without running anything or opening a transaction: `pending` when there is
 * work, else `up-to-date`, `blocked` or `failed` (the ledger checks or the schema). Lets a caller take a
 * snapshot only when something will change.
 * @example
 * if (checkMigration(conn, options).status === 'pending') { await snapshot(); migrate(conn, options); }
 */
export function checkMigration(conn: SqliteConnection, options: MigrateOptions = {}): MigrateReport {
  const prepared = prepare(conn, options);
  return prepared.finish(prepared.outcome ?? 'pending');
}

function prepare(conn: SqliteConnection, options: MigrateOptions) {
  const started = clock();
  const known = sortMigrations(options.migrations ?? []);
  const userVersion = readUserVersion(conn);
  const ledger = checkLedger(readLedger(conn), userVersion, known, options);
  const report: MigrateReport = {
    status: 'up-to-date',
    migrations: ledger.pending.map((m) => ({ id: m.id, kind: migrationKind(m), status: 'not-run' })),
    alreadyApplied: ledger.applied,
    plan: null,
    schemaSteps: [],
    error: null,
    userVersion: { before: userVersion, after: userVersion },
    durationMs: 0,
  };
  const finish = (status: MigrateReport['status']) => {
    report.status = status;
    report.durationMs = clock() - started;
    return report;
  };
  const base = {
    known,
    pending: ledger.pending,
    report,
    finish,
    desired: undefined as DesiredSchema | undefined,
  };
  if (ledger.error) {
    report.error = ledger.error;
    return { ...base, outcome: 'failed' as const };
  }
  const reuse = ledger.pending.length === 0 && options.plan ? options.plan : undefined;
  try {
    base.desired =
      options.schema === undefined || reuse
        ? undefined
        : loadDesiredSchema(conn, options.schema, { known: inspectSchema(conn) });
  } catch (error) {
    report.error = toErrorData(error);
    return { ...base, outcome: 'failed' as const };
  }
  if (ledger.pending.length === 0) {
    // Nothing versioned to run: the plan can be made on the database as it is, without a transaction.
    report.plan = reuse ?? (base.desired ? planToSchema(conn, base.desired, options) : null);
    if (!report.plan || report.plan.steps.length === 0) return { ...base, outcome: 'up-to-date' as const };
    if (report.plan.blockers.length > 0) return { ...base, outcome: 'blocked' as const };
  }
  return { ...base, outcome: undefined };
}

function runBatch(
  conn: SqliteConnection,
  known: Migration[],
  pending: Migration[],
  desired: DesiredSchema | undefined,
  options: MigrateOptions,
  report: MigrateReport,
  finish: (status: MigrateReport['status']) => MigrateReport,
): MigrateReport {
  const dryRun = options.dryRun ?? false;
  try {
    withMigrationTransaction(conn, () => {
      const changesBefore = totalChanges(conn);
      const foreignKeysBefore = foreignKeysOf(conn);
      const rows = pending.map((migration, index) => {
        options.onProgress?.({
          phase: 'migration',
          id: migration.id,
          index: index + 1,
          total: pending.length,
        });
        const result = report.migrations[index]!;
        const timing = runMigration(conn, migration, result);
        result.status = 'applied';
        return { migration, ...timing };
      });
      const plan = report.plan ?? (desired ? planToSchema(conn, desired, options) : null);
      report.plan = plan;
      if (plan && plan.blockers.length > 0)
        throw new MoltError('blocked', 'the declarative plan has blockers');
      if (dryRun) throw new DryRun();
      if (plan) {
        if (options.plan === plan) checkStartingSchema(conn, plan);
        report.schemaSteps = runPlanSteps(conn, plan, {
          onProgress: (p) => options.onProgress?.({ phase: 'schema', ...p }),
        });
        verifyPlanResult(conn, plan);
      }
      options.onProgress?.({ phase: 'checks' });
      if (pending.length > 0) {
        // Violations can only appear where rows changed or foreign keys were (re)defined.
        if (totalChanges(conn) > changesBefore || foreignKeysOf(conn) !== foreignKeysBefore) {
          checkForeignKeys(conn, tablesWithForeignKeys(conn));
        }
        createLedger(conn);
        const appliedAt = (options.now ?? (() => new Date()))().toISOString();
        for (const row of rows) {
          recordMigration(conn, {
            id: row.migration.id,
            checksum: migrationChecksum(row.migration),
            kind: migrationKind(row.migration),
            appliedAt,
            durationMs: row.durationMs,
            snapshotId: options.snapshotId ?? null,
          });
        }
        conn.exec(`PRAGMA user_version = ${known.indexOf(pending[pending.length - 1]!) + 1}`);
      }
    });
  } catch (error) {
    for (const m of report.migrations)
      if (m.status === 'applied') m.status = dryRun ? 'would-run' : 'rolled-back';
    if (error instanceof DryRun) return finish('dry-run');
    if (isBlocked(error)) return finish('blocked');
    report.error = toErrorData(error);
    return finish('failed');
  }
  report.userVersion.after = readUserVersion(conn);
  return finish('applied');
}

/** Thrown to roll a dry run back after it has run everything. */
class DryRun extends Error {}

function isBlocked(error: unknown): boolean {
  return error instanceof MoltError && error.code === 'blocked';
}

/** Runs one migration, statement by statement so that a failure names its statement. */
function runMigration(
  conn: SqliteConnection,
  migration: Migration,
  result: { status: string; error?: ErrorData; durationMs?: number; rowsChanged?: number },
) {
  const started = clock();
  const changesBefore = totalChanges(conn);
  let statement = '';
  try {
    if (typeof migration.up === 'string') {
      for (statement of splitStatements(migration.up)) conn.exec(statement);
    } else {
      migration.up(contextFor(conn, (sql) => (statement = sql)));
    }
  } catch (error) {
    const data = toErrorData(error);
    result.status = 'failed';
    result.error = {
      code: 'migration-failed',
      message: `migration ${migration.id} failed: ${data.message}`,
      details: { id: migration.id, statement, cause: data },
    };
    throw new MoltError('migration-failed', result.error.message, result.error.details);
  }
  result.durationMs = clock() - started;
  result.rowsChanged = totalChanges(conn) - changesBefore;
  return { durationMs: result.durationMs };
}

function contextFor(conn: SqliteConnection, track: (sql: string) => void): MigrationContext {
  return {
    exec: (sql, params) => {
      track(sql);
      conn.exec(sql, params);
    },
    query: (sql, params) => {
      track(sql);
      return conn.query(sql, params);
    },
  };
}

function totalChanges(conn: SqliteConnection): number {
  return Number(conn.query('SELECT total_changes() AS n')[0]?.n ?? 0);
}

function tablesWithForeignKeys(conn: SqliteConnection): string[] {
  return conn
    .query(
      "SELECT DISTINCT m.name FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND m.sql NOT LIKE 'CREATE VIRTUAL%'",
    )
    .map((r) => String(r.name));
}

/** Every foreign key definition in the database, as one comparable string. */
function foreignKeysOf(conn: SqliteConnection): string {
  return JSON.stringify(
    conn.query(
      "SELECT m.name, f.* FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND m.sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY m.name, f.id, f.seq",
    ),
  );
}

function clock(): number {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance ? performance.now() : Date.now();
}
