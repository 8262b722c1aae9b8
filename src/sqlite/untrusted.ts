/**
 * Opening database bytes that came from outside (an upload, `import()`, a file given to the CLI). They
 * are untrusted (DESIGN, Security): the header is checked before SQLite sees them, the schema's SQL
 * functions are not trusted, cell sizes are checked, and `quick_check` runs before anything else.
 */
import { MoltError } from '../engine/errors.ts';
import { type SqliteConnection, SqliteError } from './port.ts';
import { openSqlJs, type SqlJsConnection } from './sql-js.ts';

/** The first 16 bytes of every SQLite database file (sqlite.org/fileformat2.html#magic_header_string). */
const SQLITE_HEADER = new TextEncoder().encode('SQLite format 3\0');

/**
 * Fails with `not-a-database` unless `bytes` is empty or starts with SQLite's header, and with
 * `corrupt-database` when the header itself is cut off.
 * @example
 * checkHeader(bytes, 'upload.sqlite');
 */
export function checkHeader(bytes: Uint8Array, label: string): void {
  if (bytes.length === 0) return;
  if (!SQLITE_HEADER.every((byte, i) => bytes[i] === byte)) {
    throw new MoltError('not-a-database', `${label} is not a SQLite database`, { path: label });
  }
  // The header is 100 bytes long; a shorter file says it is SQLite but was cut off.
  if (bytes.length < 100) {
    throw new MoltError('corrupt-database', `${label} is truncated (${bytes.length} bytes)`, { path: label });
  }
}

/**
 * Checks the header, opens the bytes with the protective pragmas and runs `quick_check`.
 * @example
 * const conn = openUntrusted(await loadSqlJs(), bytes, 'upload.sqlite');
 */
export function openUntrusted(
  sqlite: Parameters<typeof openSqlJs>[0],
  bytes: Uint8Array,
  label: string,
): SqlJsConnection {
  checkHeader(bytes, label);
  const conn = openSqlJs(sqlite, bytes);
  try {
    // A schema from elsewhere may hide SQL functions in views and triggers: do not run them implicitly.
    conn.exec('PRAGMA trusted_schema = OFF');
    conn.exec('PRAGMA cell_size_check = ON');
    checkQuickly(conn, label);
    return conn;
  } catch (error) {
    conn.close();
    throw error;
  }
}

/**
 * Runs `PRAGMA quick_check` and throws `corrupt-database` with SQLite's findings unless it says ok.
 * @example
 * checkQuickly(conn, 'app.sqlite');
 */
export function checkQuickly(conn: SqliteConnection, label: string): void {
  let problems: string[];
  try {
    problems = conn
      .query('PRAGMA quick_check')
      .map((row) => String(Object.values(row)[0]))
      .filter((line) => line !== 'ok');
  } catch (error) {
    // Another process's lock is not damage: let the caller say so.
    if (error instanceof SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(error.resultCode ?? '')) throw error;
    // SQLite stops at the first page it cannot read ("database disk image is malformed").
    problems = [error instanceof Error ? error.message : String(error)];
  }
  if (problems.length > 0) {
    throw new MoltError(
      'corrupt-database',
      `${label} failed quick_check: ${problems.slice(0, 3).join('; ')}`,
      {
        path: label,
        problems: problems.slice(0, 20),
      },
    );
  }
}
