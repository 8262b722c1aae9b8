/**
 * molt on the main thread.
 * @example
 * import { openDatabase } from 'molt';
 * const db = openDatabase({ name: 'notes', worker: new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }) });
 * const report = await db.ready;
 */

export type { HealthCheck, HealthReport } from '../engine/health.ts';
export type { MigrateReport } from '../engine/migrate.ts';
export type { Blocker, Plan, Step, Warning } from '../engine/plan-types.ts';
export type {
  ExecResult,
  PersistedEvent,
  ProgressEvent,
  SaveReport,
  SchemaChangedMessage,
  StartupReport,
  Statement,
} from '../worker/protocol.ts';
export { type ErrorCode, type ErrorData, isMoltError, MoltError } from './errors.ts';
export {
  type Database,
  type DatabaseEvents,
  type OpenDatabaseOptions,
  openDatabase,
} from './open-database.ts';
