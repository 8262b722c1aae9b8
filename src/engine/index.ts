/**
 * molt's engine: pure TypeScript over the SQLite port. Inspect a schema, plan a migration to a desired
 * schema, apply it in one transaction that either reaches the target exactly or changes nothing.
 */
export {
  type ApplyOptions,
  type ApplyReport,
  applyPlan,
  type Progress,
  type StepTiming,
  withMigrationTransaction,
} from './apply.ts';
export { diffCanonical, hashSchema, type SchemaDifference } from './canonical.ts';
export { type DesiredSchema, loadDesiredSchema, type Renames } from './desired.ts';
export {
  type ErrorCode,
  type ErrorData,
  fromErrorData,
  isMoltError,
  MoltError,
  toErrorData,
} from './errors.ts';
export {
  type CheckStatus,
  HEALTH_PENALTIES,
  type HealthCheck,
  type HealthCheckName,
  type HealthOptions,
  type HealthReport,
  health,
  healthCheck,
  scoreHealth,
} from './health.ts';
export { inspectSchema } from './inspect.ts';
export {
  checkLedger,
  LEDGER_TABLE,
  type LedgerRow,
  type Migration,
  type MigrationContext,
  migrationChecksum,
  readLedger,
  readUserVersion,
} from './ledger.ts';
export {
  checkMigration,
  type MigrateOptions,
  type MigrateProgress,
  type MigrateReport,
  type MigrationResult,
  type MigrationStatus,
  migrate,
} from './migrate.ts';
export { type PlanOptions, planMigration, planToSchema } from './plan.ts';
export type { Blocker, BlockerKind, Plan, Risk, Step, StepKind, Warning, WarningKind } from './plan-types.ts';
export type { Column, ForeignKey, Index, Schema, Table, Trigger, View } from './schema.ts';
export { splitStatements } from './tokens.ts';
