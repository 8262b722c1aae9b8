/**
 * Planning a database file against a schema file: shared by `plan` and `apply` (and the commands that
 * will plan on their way, like `migrate`), so both read, check and plan in exactly the same way.
 */
import { type Plan, planToSchema, type Renames } from '../engine/index.ts';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../sqlite/better-sqlite3.ts';
import type { SqliteConnection } from '../sqlite/port.ts';
import { parseRenames } from './command.ts';
import { loadSchemaText, type OpenedDatabase, openDatabaseFile } from './database.ts';
import { type FileOptions, readTextFile } from './io.ts';
import {
  type NativeDatabase,
  openNativeFile,
  SQLITE_HELP,
  SQLITE_OPTION,
  type SqliteEngine,
  type SqliteUsed,
} from './native-database.ts';

/** A database file opened by either engine: in memory (wasm) or in place (native). */
export type FileDatabase =
  | ({ kind: 'wasm'; sqlite: SqliteUsed } & OpenedDatabase)
  | ({ kind: 'native' } & NativeDatabase);

export interface OpenFileOptions extends FileOptions {
  sqlite: SqliteEngine;
  /** Native only: open for writing (the file's write permission is checked first). */
  write?: boolean;
  /** Native only: how long SQLite waits for another process's lock. */
  busyTimeoutMs?: number;
}

/**
 * Opens a database file with the chosen engine, checked, foreign keys on (as apps run it).
 * @example
 * const db = await openFile('app.sqlite', { sqlite: 'native', write: false });
 * db.conn.close();
 */
export async function openFile(path: string, options: OpenFileOptions): Promise<FileDatabase> {
  if (options.sqlite === 'native') {
    const db = await openNativeFile(path, {
      write: options.write ?? false,
      foreignKeys: true,
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    });
    return { kind: 'native', ...db };
  }
  const db = await openDatabaseFile(path, { ...options, foreignKeys: true });
  return { kind: 'wasm', ...db, sqlite: { engine: 'wasm', version: sqliteVersion(db.conn) } };
}

function sqliteVersion(conn: SqliteConnection): string {
  return String(conn.query('SELECT sqlite_version() AS v')[0]?.v);
}

/** The options `plan` and `apply` share, in `node:util` parseArgs form. */
export const PLAN_OPTIONS = {
  ...SQLITE_OPTION,
  json: { type: 'boolean' },
  rename: { type: 'string', multiple: true },
  'allow-data-loss': { type: 'boolean' },
} as const;

/** The `--help` lines for PLAN_OPTIONS. */
export const PLAN_OPTIONS_HELP = `  --rename old=new        rename table old to new (repeatable)
  --rename table.old=new  rename column old of table to new (repeatable)
  --allow-data-loss       let the plan drop tables and columns that hold data
  --json                  print the plan as JSON and nothing else on stdout
${SQLITE_HELP}`;

export interface PlanFilesOptions extends OpenFileOptions {
  renames?: Renames;
  allowDataLoss?: boolean;
}

/**
 * Opens the database file (checked, foreign keys on, as apps run it), reads the schema file and plans.
 * The caller closes `db.conn`.
 * @example
 * const { db, plan } = await planFiles('app.sqlite', 'schema.sql', { sqlite: 'native' });
 * db.conn.close();
 */
export async function planFiles(
  dbPath: string,
  schemaPath: string,
  options: PlanFilesOptions,
): Promise<{ db: FileDatabase; plan: Plan }> {
  const db = await openFile(dbPath, options);
  try {
    const sql = await readTextFile(schemaPath, options);
    const desired = loadSchemaText(db.conn, sql, schemaPath);
    const plan = planToSchema(db.conn, desired, {
      ...(options.renames ? { renames: options.renames } : {}),
      allowDataLoss: options.allowDataLoss ?? false,
    });
    return { db, plan };
  } catch (error) {
    db.conn.close();
    throw error;
  }
}

/**
 * Reads the shared options from parsed arguments.
 * @example
 * const options = planOptionsFrom('plan', values);
 */
export function planOptionsFrom(
  command: string,
  values: { rename?: string[]; 'allow-data-loss'?: boolean },
): { renames: Renames; allowDataLoss: boolean } {
  return { renames: parseRenames(command, values.rename), allowDataLoss: values['allow-data-loss'] ?? false };
}
