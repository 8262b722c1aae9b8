/**
 * The calls a database answers, as data: the same shape whether the call comes from this tab's page
 * or was forwarded by another tab's worker. The owner runs them (local-database.ts); a follower sends
 * them to the owner (tabs.ts).
 */
import type { HealthReport } from '../engine/health.ts';
import type { MigrateReport } from '../engine/migrate.ts';
import type { PlanOptions } from '../engine/plan.ts';
import type { Plan } from '../engine/plan-types.ts';
import type { Row, SqlValue } from '../sqlite/port.ts';
import type { SnapshotInfo, SnapshotListEntry, VerifyResult } from '../storage/index.ts';
import type { AppDescription } from './app.ts';
import type { Durability } from './durability.ts';
import type { ExecResult, SaveReport, Statement } from './protocol.ts';

/** Each method's arguments. */
export interface CallArgs {
  query: [sql: string, params?: SqlValue[]];
  exec: [sql: string, params?: SqlValue[]];
  transaction: [statements: Statement[]];
  save: [];
  flush: [];
  plan: [schema?: string, options?: PlanOptions];
  health: [schema?: string];
  /** What the startup of the caller's app would do here (`checkMigration`), and the current head. */
  check: [];
  listSnapshots: [];
  verifySnapshot: [id: string];
  restoreSnapshot: [id: string];
  exportSnapshot: [id?: string];
  importDatabase: [bytes: Uint8Array];
}

/** Each method's result. */
export interface CallResults {
  query: Row[];
  exec: ExecResult;
  transaction: ExecResult[];
  save: SaveReport;
  flush: undefined;
  plan: Plan;
  health: HealthReport;
  check: CheckResult;
  listSnapshots: SnapshotListEntry[];
  verifySnapshot: VerifyResult;
  restoreSnapshot: SnapshotInfo;
  exportSnapshot: Uint8Array;
  importDatabase: SnapshotInfo;
}

export type CallMethod = keyof CallArgs;

export interface CheckResult {
  report: MigrateReport;
  /** The head the owner holds (what the caller's startup report says it loaded). */
  head: SnapshotInfo | null;
}

export interface DatabaseCall<M extends CallMethod = CallMethod> {
  method: M;
  args: CallArgs[M];
  /** Set on calls forwarded from another tab: the owner runs each id at most once. */
  id?: string;
  durability: Durability;
  /** For `relaxed`: the longest the write may stay unpersisted. */
  delayMs?: number;
  /** The opener the call comes from: its own changes are not announced to it. */
  source: string;
  /** The caller's declarations, for `plan`, `health` and `check` (default: the owner's own). */
  app?: AppDescription;
}

/**
 * What may be sent again to a new owner when the one that had it went away without answering: reads,
 * persists, and writes (their ids make them run at most once). A restore or an import cannot be known
 * to have happened or not; it fails with `owner-changed` instead.
 */
export function isRetryable(method: CallMethod): boolean {
  return method !== 'restoreSnapshot' && method !== 'importDatabase';
}

/** Calls that change the database and so carry an id when forwarded. */
export function isWrite(method: CallMethod): boolean {
  return method === 'query' || method === 'exec' || method === 'transaction';
}
