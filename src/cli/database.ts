/**
 * Opening a database file given on the command line. Its bytes are untrusted (DESIGN, Security), so
 * they go through the same checks as any bytes from outside (`openUntrusted`); on top of that, a file
 * whose journal still holds changes is refused, since the main file alone is then not the database.
 */
import { type DesiredSchema, isMoltError, loadDesiredSchema, MoltError } from '../engine/index.ts';
import type { SqliteConnection } from '../sqlite/port.ts';
import { loadSqlJs, type SqlJsConnection } from '../sqlite/sql-js.ts';
import { checkHeader, openUntrusted } from '../sqlite/untrusted.ts';
import { type FileOptions, hasContent, type ReadFile, readInputFile } from './io.ts';

/** A database file opened in memory, with the file it came from. */
export interface OpenedDatabase {
  conn: SqlJsConnection;
  file: ReadFile;
}

export interface OpenDatabaseOptions extends FileOptions {
  /** Enforce foreign keys on the connection, as apps do. */
  foreignKeys?: boolean;
}

/**
 * Reads a database file and opens a checked in-memory copy of it. An empty file is an empty database
 * (as for SQLite itself); a missing one is `file-not-found`.
 * @example
 * const { conn, file } = await openDatabaseFile('app.sqlite', { foreignKeys: true });
 */
export async function openDatabaseFile(
  path: string,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  const file = await readInputFile(path, options);
  await refusePendingJournal(path, file.path, options);
  // openUntrusted checks it too; checking first spares loading SQLite for a file that is not one.
  checkHeader(file.bytes, path);
  const conn = openUntrusted(await loadSqlJs(), file.bytes, path);
  if (options.foreignKeys) conn.exec('PRAGMA foreign_keys = ON');
  return { conn, file };
}

/**
 * A database in WAL mode keeps committed changes in `-wal` until a checkpoint, and a crashed writer
 * leaves a hot `-journal`: the main file alone is then not the database, and replacing it would lose
 * those changes or corrupt the file when SQLite replays the journal over it.
 */
async function refusePendingJournal(label: string, path: string, options: FileOptions): Promise<void> {
  for (const suffix of ['-wal', '-journal']) {
    if (await hasContent(path + suffix, options)) {
      throw new MoltError(
        'locked',
        `${label}${suffix} holds changes that are not in ${label} yet (it is open elsewhere, or was not ` +
          'closed cleanly): close the app using it, or open it once with sqlite3, then try again',
        { path: label, journal: path + suffix },
      );
    }
  }
}

/**
 * Keeps a WAL-mode database in WAL mode: sql.js writes its files in rollback-journal mode, and the two
 * format version bytes are all that differ (sqlite.org/fileformat2.html#file_format_version_numbers).
 * @example
 * const out = keepJournalMode(file.bytes, conn.export());
 */
export function keepJournalMode(original: Uint8Array, result: Uint8Array): Uint8Array {
  if (original.length >= 100 && result.length >= 100 && original[18] === 2 && original[19] === 2) {
    result[18] = 2;
    result[19] = 2;
  }
  return result;
}

/**
 * Loads a schema file's SQL with the engine; a `schema-invalid` error names the file.
 * @example
 * const desired = loadSchemaText(conn, sql, 'schema.sql');
 */
export function loadSchemaText(conn: SqliteConnection, sql: string, label: string): DesiredSchema {
  try {
    return loadDesiredSchema(conn, sql);
  } catch (error) {
    if (isMoltError(error, 'schema-invalid')) {
      throw new MoltError('schema-invalid', `${label}: ${error.message}`, { ...error.details, path: label });
    }
    throw error;
  }
}
