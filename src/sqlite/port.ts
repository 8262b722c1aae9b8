/**
 * The port between molt's engine and a SQLite implementation. The engine needs only this: run
 * statements, read rows, and open a scratch in-memory database to parse a desired schema with SQLite
 * itself. Everything is synchronous because SQLite in WebAssembly is.
 */

/** A value SQLite can store or bind. */
export type SqlValue = number | bigint | string | Uint8Array | null;

/** One result row, keyed by column name. */
export type Row = Record<string, SqlValue>;

/** An open SQLite database, as the engine sees it. */
export interface SqliteConnection {
  /** Runs one or more statements. With `params`, `sql` must hold exactly one statement. */
  exec(sql: string, params?: readonly SqlValue[]): void;
  /** Runs one statement and returns its rows. */
  query(sql: string, params?: readonly SqlValue[]): Row[];
  /** Opens a new, empty in-memory database of the same implementation. */
  openScratch(): SqliteConnection;
  /** Closes the database; the connection must not be used afterwards. */
  close(): void;
}

/**
 * The one error type adapters throw for a failing statement, carrying SQLite's message and the SQL.
 * sql.js throws plain Errors (sometimes bare strings); the adapter turns every one into this.
 */
export class SqliteError extends Error {
  override readonly name = 'SqliteError';
  constructor(
    message: string,
    readonly sql: string,
    /** SQLite's (extended) result code by name, such as `SQLITE_BUSY`, when the adapter knows it. */
    readonly resultCode?: string,
  ) {
    super(message);
  }
}
