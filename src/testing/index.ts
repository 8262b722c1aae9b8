/**
 * `molt/testing`: prove in a test runner that every past release's database migrates to the current
 * app. Pure over the SQLite port: it runs on sql.js or any other adapter.
 */
export { type FillOptions, type FillReport, fillDatabase } from './fill.ts';
export { keptMapping, migrationRenames, type RenameEvent } from './mapping.ts';
export {
  type CurrentApp,
  DEFAULT_ROWS,
  DEFAULT_SEED,
  type HistoryReport,
  type Outcome,
  type Problem,
  type Release,
  type ReleaseReport,
  type TestHistoryOptions,
  testHistory,
} from './run.ts';
export type { Repro } from './shrink.ts';
export {
  type ChangedValue,
  type Comparison,
  compareValues,
  type Difference,
  type KeptMapping,
  readValues,
  type TableValues,
  type ValueSnapshot,
} from './snapshot.ts';
export { type Affinity, affinityOf } from './values.ts';
