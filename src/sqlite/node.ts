/**
 * `molt/sqlite/node`: the engine's port over better-sqlite3, for Node (the CLI, servers, Electron,
 * tests) on database files in place. A separate entry from `molt/sqlite`, so a browser bundle that
 * imports `molt/sqlite` never sees better-sqlite3 (an optional peer dependency).
 */
export {
  type BetterSqlite3Connection,
  type BetterSqlite3Constructor,
  DEFAULT_BUSY_TIMEOUT_MS,
  loadBetterSqlite3,
  type OpenBetterSqlite3Options,
  openBetterSqlite3,
} from './better-sqlite3.ts';
export type { Row, SqliteConnection, SqlValue } from './port.ts';
export { SqliteError } from './port.ts';
