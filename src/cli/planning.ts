/**
 * Planning a database file against a schema file: shared by `plan` and `apply` (and the commands that
 * will plan on their way, like `migrate`), so both read, check and plan in exactly the same way.
 */
import { type Plan, planToSchema, type Renames } from '../engine/index.ts';
import { parseRenames } from './command.ts';
import { loadSchemaText, type OpenedDatabase, openDatabaseFile } from './database.ts';
import { type FileOptions, readTextFile } from './io.ts';

/** The options `plan` and `apply` share, in `node:util` parseArgs form. */
export const PLAN_OPTIONS = {
  json: { type: 'boolean' },
  rename: { type: 'string', multiple: true },
  'allow-data-loss': { type: 'boolean' },
} as const;

/** The `--help` lines for PLAN_OPTIONS. */
export const PLAN_OPTIONS_HELP = `  --rename old=new        rename table old to new (repeatable)
  --rename table.old=new  rename column old of table to new (repeatable)
  --allow-data-loss       let the plan drop tables and columns that hold data
  --json                  print the plan as JSON and nothing else on stdout`;

export interface PlanFilesOptions extends FileOptions {
  renames?: Renames;
  allowDataLoss?: boolean;
}

/**
 * Opens the database file (checked, foreign keys on, as apps run it), reads the schema file and plans.
 * The caller closes `db.conn`.
 * @example
 * const { db, plan } = await planFiles('app.sqlite', 'schema.sql');
 * db.conn.close();
 */
export async function planFiles(
  dbPath: string,
  schemaPath: string,
  options: PlanFilesOptions = {},
): Promise<{ db: OpenedDatabase; plan: Plan }> {
  const db = await openDatabaseFile(dbPath, { ...options, foreignKeys: true });
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
