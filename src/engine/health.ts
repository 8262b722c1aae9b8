/**
 * A health report that means something: each check has a status and says why, and the score is a
 * documented formula over them (README: "Health score").
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import { loadDesiredSchema } from './desired.ts';
import { toErrorData } from './errors.ts';
import { inspectSchema } from './inspect.ts';
import {
  checkLedger,
  LEDGER_TABLE,
  type Migration,
  readLedger,
  readUserVersion,
  sortMigrations,
} from './ledger.ts';
import { planToSchema } from './plan.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface HealthCheck {
  name: string;
  status: CheckStatus;
  message: string;
  /** Points taken off the score (0 when passing or skipped). */
  penalty: number;
  details?: Record<string, unknown>;
}

export interface HealthReport {
  /** 0–100: 100 minus the penalties of the checks, never below 0. */
  score: number;
  healthy: boolean;
  checks: HealthCheck[];
}

export interface HealthOptions {
  schema?: string;
  migrations?: readonly Migration[];
  /** Run the full `integrity_check` instead of `quick_check` (slower: it also checks indexes). */
  integrity?: boolean;
}

/**
 * Penalties per check when it fails or warns. A corrupt file outweighs everything; drift and pending
 * migrations are expected between an app update and its migration, so they cost little.
 */
export const HEALTH_PENALTIES = {
  integrity: { fail: 60, warn: 0 },
  foreignKeys: { fail: 20, warn: 0 },
  ledger: { fail: 20, warn: 5 },
  drift: { fail: 15, warn: 0 },
  pending: { fail: 0, warn: 5 },
  snapshot: { fail: 20, warn: 5 },
  storage: { fail: 10, warn: 5 },
} as const;

export type HealthCheckName = keyof typeof HEALTH_PENALTIES;

/** Builds a check with its penalty from the table above. */
export function healthCheck(
  name: HealthCheckName,
  status: CheckStatus,
  message: string,
  details?: Record<string, unknown>,
): HealthCheck {
  const penalty = status === 'fail' || status === 'warn' ? HEALTH_PENALTIES[name][status] : 0;
  return { name, status, message, penalty, ...(details ? { details } : {}) };
}

/**
 * Scores a list of checks: 100 minus the sum of their penalties, floored at 0. Healthy means no
 * check failed.
 * @example
 * scoreHealth([healthCheck('drift', 'fail', 'two tables differ')]).score === 85;
 */
export function scoreHealth(checks: HealthCheck[]): HealthReport {
  const score = Math.max(0, 100 - checks.reduce((sum, c) => sum + c.penalty, 0));
  return { score, healthy: checks.every((c) => c.status !== 'fail'), checks };
}

/**
 * Checks the database: file integrity, foreign keys, the ledger, drift from the declared schema and
 * pending migrations. Reads only.
 * @example
 * const { score, checks } = health(conn, { schema, migrations });
 */
export function health(conn: SqliteConnection, options: HealthOptions = {}): HealthReport {
  return scoreHealth([
    integrityCheck(conn, options.integrity ?? false),
    foreignKeyCheck(conn),
    ...ledgerChecks(conn, options.migrations),
    driftCheck(conn, options.schema),
  ]);
}

function integrityCheck(conn: SqliteConnection, full: boolean): HealthCheck {
  const pragma = full ? 'integrity_check' : 'quick_check';
  try {
    const rows = conn.query(`PRAGMA ${pragma}(20)`).map((r) => String(Object.values(r)[0]));
    if (rows.length === 1 && rows[0] === 'ok') return healthCheck('integrity', 'pass', `${pragma}: ok`);
    return healthCheck('integrity', 'fail', `${pragma} found ${rows.length} problem(s)`, { problems: rows });
  } catch (error) {
    return healthCheck('integrity', 'fail', `${pragma} could not run: ${toErrorData(error).message}`);
  }
}

function foreignKeyCheck(conn: SqliteConnection): HealthCheck {
  try {
    const rows = conn.query('PRAGMA foreign_key_check');
    if (rows.length === 0) return healthCheck('foreignKeys', 'pass', 'no foreign key violations');
    return healthCheck('foreignKeys', 'fail', `${rows.length} row(s) violate foreign keys`, {
      rows: rows.slice(0, 20),
    });
  } catch (error) {
    return healthCheck(
      'foreignKeys',
      'fail',
      `foreign_key_check could not run: ${toErrorData(error).message}`,
    );
  }
}

function ledgerChecks(conn: SqliteConnection, migrations: readonly Migration[] | undefined): HealthCheck[] {
  const rows = readLedger(conn);
  const userVersion = readUserVersion(conn);
  if (!migrations) {
    const consistent = rows.length === 0 || userVersion === rows.length;
    return [
      consistent
        ? healthCheck(
            'ledger',
            'pass',
            rows.length ? `${rows.length} migration(s) recorded` : 'no migrations recorded',
          )
        : healthCheck(
            'ledger',
            'warn',
            `user_version is ${userVersion} but ${LEDGER_TABLE} has ${rows.length} row(s)`,
          ),
      healthCheck('pending', 'skip', 'no migrations given'),
    ];
  }
  const check = checkLedger(rows, userVersion, sortMigrations(migrations));
  if (check.error) {
    return [
      healthCheck('ledger', 'fail', check.error.message, { code: check.error.code, ...check.error.details }),
      healthCheck('pending', 'skip', 'ledger is inconsistent'),
    ];
  }
  const ledger =
    rows.length > 0 && userVersion !== rows.length
      ? healthCheck(
          'ledger',
          'warn',
          `user_version is ${userVersion} but ${rows.length} migration(s) are recorded`,
        )
      : healthCheck('ledger', 'pass', `${rows.length} of ${migrations.length} migration(s) applied`);
  const pending = check.pending.length
    ? healthCheck('pending', 'warn', `${check.pending.length} migration(s) pending`, {
        ids: check.pending.map((m) => m.id),
      })
    : healthCheck('pending', 'pass', 'no pending migrations');
  return [ledger, pending];
}

function driftCheck(conn: SqliteConnection, schema: string | undefined): HealthCheck {
  if (schema === undefined) return healthCheck('drift', 'skip', 'no schema given');
  try {
    const current = inspectSchema(conn);
    const plan = planToSchema(conn, loadDesiredSchema(conn, schema, { known: current }), {}, current);
    if (plan.steps.length === 0)
      return healthCheck('drift', 'pass', 'the database matches the declared schema');
    const objects = [...new Set(plan.steps.map((s) => s.table ?? s.object))];
    return healthCheck('drift', 'fail', `${objects.length} object(s) differ from the declared schema`, {
      objects,
      steps: plan.steps.length,
    });
  } catch (error) {
    const data = toErrorData(error);
    return healthCheck('drift', 'fail', `cannot compare with the declared schema: ${data.message}`, {
      code: data.code,
    });
  }
}
