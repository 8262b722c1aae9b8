export type { Row, SqliteConnection, SqlValue } from './port.ts';
export { SqliteError } from './port.ts';
export { type LoadSqlJsOptions, loadSqlJs, openSqlJs, type SqlJsConnection } from './sql-js.ts';
