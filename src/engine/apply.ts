/**
 * Applying a plan: all of it in one transaction, or none of it. Foreign keys are switched off before
 * BEGIN (inside a transaction the pragma is a no-op, and DROP TABLE would then cascade into child
 * rows), the result is checked against the pristine target inside the transaction, and any failure
 * rolls back to the exact bytes the database had before.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import { hashSchema } from './canonical.ts';
import { MoltError, toErrorData } from './errors.ts';
import { inspectSchema } from './inspect.ts';
import type { Plan, Step } from './plan-types.ts';

export interface Progress {
  /** 1-based index of the step about to run. */
  step: number;
  total: number;
  kind: Step['kind'];
  object: string;
}

export interface ApplyOptions {
  /** Called before each step. */
  onProgress?: (progress: Progress) => void;
}

export interface StepTiming {
  kind: Step['kind'];
  object: string;
  /** The table the object belongs to, for indexes, triggers and columns. */
  table?: string;
  durationMs: number;
  /** Rows copied, for a table rebuild. */
  rowsCopied?: number;
}

export interface ApplyReport {
  steps: StepTiming[];
  /** Rows copied by table rebuilds. */
  rowsCopied: number;
  durationMs: number;
  fromHash: string;
  toHash: string;
}

/**
 * Applies a plan made by `planMigration`. Throws `blocked` when the plan has blockers, `plan-stale`
 * when the schema changed since planning, and leaves the database untouched on any failure.
 * @example
 * const report = applyPlan(conn, planMigration(conn, schemaSql));
 * console.log(report.steps.length, report.durationMs);
 */
export function applyPlan(conn: SqliteConnection, plan: Plan, options: ApplyOptions = {}): ApplyReport {
  if (plan.blockers.length > 0) {
    throw new MoltError('blocked', `the plan has ${plan.blockers.length} blocker(s)`, {
      blockers: plan.blockers,
    });
  }
  const started = now();
  const steps = withMigrationTransaction(conn, () => {
    checkStartingSchema(conn, plan);
    const timings = runPlanSteps(conn, plan, options);
    verifyPlanResult(conn, plan);
    return timings;
  });
  return {
    steps,
    rowsCopied: steps.reduce((sum, s) => sum + (s.rowsCopied ?? 0), 0),
    durationMs: now() - started,
    fromHash: plan.fromHash,
    toHash: plan.toHash,
  };
}

/**
 * Runs `body` in one BEGIN IMMEDIATE transaction with foreign keys off (and restores them after).
 * Commits when `body` returns, rolls back when it throws.
 * @example
 * withMigrationTransaction(conn, () => conn.exec('UPDATE t SET x = 1'));
 */
export function withMigrationTransaction<T>(conn: SqliteConnection, body: () => T): T {
  const foreignKeys = Number(conn.query('PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) === 1;
  if (foreignKeys) {
    conn.exec('PRAGMA foreign_keys = OFF');
    if (Number(conn.query('PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) !== 0) {
      // The pragma is a no-op inside a transaction: someone else's transaction is open.
      throw new MoltError('transaction-open', 'a transaction is already open on this connection');
    }
  }
  try {
    try {
      conn.exec('BEGIN IMMEDIATE');
    } catch (error) {
      const data = toErrorData(error);
      if (/within a transaction/i.test(data.message)) {
        throw new MoltError('transaction-open', 'a transaction is already open on this connection');
      }
      throw error;
    }
    try {
      const result = body();
      conn.exec('COMMIT');
      return result;
    } catch (error) {
      rollback(conn);
      throw error;
    }
  } finally {
    conn.exec('PRAGMA legacy_alter_table = OFF');
    if (foreignKeys) conn.exec('PRAGMA foreign_keys = ON');
  }
}

function rollback(conn: SqliteConnection): void {
  try {
    conn.exec('ROLLBACK');
  } catch {
    // SQLite may already have rolled back (after some errors it does so itself).
  }
}

/** Fails with `plan-stale` unless the database still has the schema the plan was made for. */
export function checkStartingSchema(conn: SqliteConnection, plan: Plan): void {
  const actual = hashSchema(inspectSchema(conn));
  if (actual !== plan.fromHash) {
    throw new MoltError('plan-stale', 'the database schema changed since the plan was made', {
      expected: plan.fromHash,
      actual,
    });
  }
}

/** Runs the plan's statements in order, timing each step. Must run inside a transaction. */
export function runPlanSteps(conn: SqliteConnection, plan: Plan, options: ApplyOptions = {}): StepTiming[] {
  const timings: StepTiming[] = [];
  plan.steps.forEach((step, i) => {
    options.onProgress?.({ step: i + 1, total: plan.steps.length, kind: step.kind, object: step.object });
    const started = now();
    let rowsCopied: number | undefined;
    for (const statement of step.statements) {
      try {
        conn.exec(statement.sql, statement.params);
        if (step.kind === 'rebuild-table' && statement.sql.startsWith('INSERT OR ABORT INTO "_molt_new_')) {
          rowsCopied = Number(conn.query('SELECT changes() AS n')[0]?.n ?? 0);
        }
      } catch (error) {
        const data = toErrorData(error);
        const code = /constraint failed/i.test(data.message) ? 'constraint-violation' : 'sqlite-error';
        throw new MoltError(code, `${step.kind} ${step.object}: ${data.message}`, {
          step: { kind: step.kind, object: step.object },
          statement: statement.sql,
          sqliteMessage: data.message,
        });
      }
    }
    timings.push({
      kind: step.kind,
      object: step.object,
      ...(step.table === undefined ? {} : { table: step.table }),
      durationMs: now() - started,
      ...(rowsCopied === undefined ? {} : { rowsCopied }),
    });
  });
  return timings;
}

/**
 * The post-conditions: no row violates a foreign key, and the schema is exactly the pristine target.
 * A planner bug can then never commit.
 */
export function verifyPlanResult(conn: SqliteConnection, plan: Plan): void {
  checkForeignKeys(conn, plan.foreignKeyCheck);
  const actual = hashSchema(inspectSchema(conn));
  if (actual !== plan.toHash) {
    throw new MoltError(
      'plan-did-not-converge',
      'the result differs from the target schema; nothing was changed',
      {
        expected: plan.toHash,
        actual,
      },
    );
  }
}

/** Throws `foreign-key-violation` with the offending rows when any of the tables has one. */
export function checkForeignKeys(conn: SqliteConnection, tables: readonly string[]): void {
  const rows = tables.flatMap((table) => conn.query('SELECT * FROM pragma_foreign_key_check(?)', [table]));
  if (rows.length > 0) {
    throw new MoltError('foreign-key-violation', `${rows.length} rows violate foreign keys`, {
      count: rows.length,
      rows: rows.slice(0, 20),
    });
  }
}

function now(): number {
  // The engine compiles without the DOM library; performance exists in browsers, workers and Node.
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
}
