/**
 * `molt diff <a.sql> <b.sql>`: the steps from one schema to another, without a database. The first
 * schema is built in an empty in-memory database by the engine itself, then planned to the second;
 * with no rows there are no data blockers.
 */
import { applyPlan, planToSchema } from '../../engine/index.ts';
import { loadSqlJs, openSqlJs } from '../../sqlite/sql-js.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs, parseRenames } from '../command.ts';
import { loadSchemaText } from '../database.ts';
import { formatPlan, toJson } from '../format.ts';
import { readTextFile } from '../io.ts';

export const usage = `Usage: molt diff <a.sql> <b.sql> [options]

Shows the steps that turn the schema in <a.sql> into the schema in <b.sql>, as 'molt plan' would on an
empty database with schema <a.sql>. No rows, so no data blockers: use 'molt plan' on a real database.

Options:
  --rename old=new        rename table old to new (repeatable)
  --rename table.old=new  rename column old of table to new (repeatable)
  --json                  print the plan as JSON and nothing else on stdout
  -h, --help              show this help

Exit status: 0 done, 1 error.
`;

const OPTIONS = {
  json: { type: 'boolean' },
  rename: { type: 'string', multiple: true },
} as const;

/**
 * Runs `molt diff`.
 * @example
 * const code = await run(['v1.sql', 'v2.sql', '--json'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('diff', argv, OPTIONS, ['a.sql', 'b.sql']);
  const [fromPath, toPath] = positionals as [string, string];
  const renames = parseRenames('diff', values.rename);
  const fromSql = await readTextFile(fromPath, { fs: context.fs });
  const toSql = await readTextFile(toPath, { fs: context.fs });
  const conn = openSqlJs(await loadSqlJs());
  try {
    applyPlan(conn, planToSchema(conn, loadSchemaText(conn, fromSql, fromPath)));
    const plan = planToSchema(conn, loadSchemaText(conn, toSql, toPath), { renames });
    if (values.json) context.stdout(`${toJson(plan)}\n`);
    else context.stdout(`Diff ${fromPath} -> ${toPath}\n${formatPlan(plan)}`);
    return plan.blockers.length > 0 ? EXIT.blocked : EXIT.ok;
  } finally {
    conn.close();
  }
}
