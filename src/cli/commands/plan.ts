/**
 * `molt plan <db> <schema.sql>`: what migrating the database to the schema would do, checked against
 * its real rows. Reads only.
 */
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { formatPlan, toJson } from '../format.ts';
import { chooseSqlite, describeSqlite } from '../native-database.ts';
import { PLAN_OPTIONS, PLAN_OPTIONS_HELP, planFiles, planOptionsFrom } from '../planning.ts';

export const usage = `Usage: molt plan <db> <schema.sql> [options]

Shows the steps that would bring the SQLite database file <db> to the schema in <schema.sql>
(CREATE TABLE / INDEX / VIEW / TRIGGER statements), each with its risk, reason and SQL, and the
blockers found in the database's rows, with exact counts. Changes nothing.

Options:
${PLAN_OPTIONS_HELP}
  -h, --help              show this help

<db> must exist (an empty file is an empty database), pass SQLite's quick_check, and not be open in
another program under --sqlite wasm (a non-empty <db>-wal or <db>-journal is refused); native SQLite
reads it as it is, WAL included, under SQLite's own locks.
Renames are never guessed: give them with --rename or as '-- @renamed from=old' in the schema.

Exit status: 0 the plan can be applied (or there is nothing to do), 2 blocked, 1 error.
`;

/**
 * Runs `molt plan`.
 * @example
 * const code = await run(['app.sqlite', 'schema.sql', '--json'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('plan', argv, PLAN_OPTIONS, ['db', 'schema.sql']);
  const [dbPath, schemaPath] = positionals as [string, string];
  const { db, plan } = await planFiles(dbPath, schemaPath, {
    ...planOptionsFrom('plan', values),
    fs: context.fs,
    sqlite: await chooseSqlite('plan', values.sqlite),
  });
  db.conn.close();
  const blocked = plan.blockers.length > 0;
  if (values.json) {
    context.stdout(`${toJson(plan)}\n`);
  } else {
    context.stdout(
      `Plan for ${dbPath} -> ${schemaPath} (${describeSqlite(db.sqlite)})\n${formatPlan(plan)}\n${verdict(plan.steps.length, blocked)}\n`,
    );
  }
  return blocked ? EXIT.blocked : EXIT.ok;
}

function verdict(steps: number, blocked: boolean): string {
  if (blocked) return 'Blocked: resolve the blockers above; nothing can be applied until then.';
  if (steps === 0) return 'Up to date.';
  return "Can be applied: run 'molt apply' with the same arguments.";
}
