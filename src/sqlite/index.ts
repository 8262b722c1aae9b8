export type { Row, SqliteConnection, SqlValue } from './port.ts';
export { SqliteError } from './port.ts';
export {
  type LoadSqlJsOptions,
  loadSqlJs,
  openSqlJs,
  type SqlJsConnection,
  type SqlJsDatabase,
  type SqlJsStatement,
  type SqlJsStatic,
} from './sql-js.ts';
