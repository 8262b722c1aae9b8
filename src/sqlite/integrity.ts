/**
 * SQLite's own quick check of a database file, for every adapter: a file from outside, or one written
 * in pieces, is checked before it replaces anything.
 */
import { MoltError } from '../engine/errors.ts';
import { type SqliteConnection, SqliteError } from './port.ts';

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
