/**
 * `molt check <db>`: the health report of a database file. Unlike the other commands it must open a
 * damaged file (reporting the damage is its job), so a failing quick_check is a failed check here, not
 * an error; the protective pragmas still apply, and quick_check still runs before any other check.
 */
import {
  HEALTH_PENALTIES,
  type HealthCheck,
  type HealthReport,
  health,
  healthCheck,
  type Migration,
  scoreHealth,
  toErrorData,
} from '../../engine/index.ts';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from '../../sqlite/sql-js.ts';
import { checkHeader } from '../../sqlite/untrusted.ts';
import { hasStore, openStoreFor } from '../backup.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { loadSchemaText } from '../database.ts';
import { refuseOpenJournal } from '../database-lock.ts';
import { toJson } from '../format.ts';
import { readInputFile, readTextFile } from '../io.ts';
import { readMigrationsFolder } from '../migrations-folder.ts';

/** The penalty table, from the engine's own constant so the help never disagrees with the score. */
const PENALTIES = Object.entries(HEALTH_PENALTIES)
  .map(([name, p]) => {
    if (p.fail === 0) return `${name} ${p.warn} (it only warns)`;
    return p.warn ? `${name} ${p.fail} (${p.warn} for a warning)` : `${name} ${p.fail}`;
  })
  .join(', ');

export const usage = `Usage: molt check <db> [options]

Reports the health of the SQLite database file <db>: a score out of 100, and each check with its status
(pass, warn, fail or skip) and what it found: integrity (quick_check, or integrity_check with
--integrity), foreign keys, the ledger of migrations, pending migrations (with --migrations), drift
from the declared schema (with --schema), and, when <db> has snapshots in <db>.molt/, whether the newest
one verifies and how much room the snapshots have left. Reads only.

Options:
  --schema <schema.sql>   compare the database with this schema (drift)
  --migrations <dir>      compare the ledger with the .sql migrations in this folder
  --integrity             run the full integrity_check (slower: it also checks every index)
  --json                  print the report as JSON and nothing else on stdout
  -h, --help              show this help

${wrap(`The score is 100 minus the penalty of each check that fails: ${PENALTIES}. Healthy means no check failed.`)}

Exit status: 0 healthy, 2 not healthy, 1 error.
`;

const OPTIONS = {
  schema: { type: 'string' },
  migrations: { type: 'string' },
  integrity: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/**
 * Runs `molt check`.
 * @example
 * const code = await run(['app.sqlite', '--schema', 'schema.sql', '--migrations', 'migrations'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('check', argv, OPTIONS, ['db']);
  const [dbPath] = positionals as [string];
  const migrations =
    values.migrations === undefined ? undefined : await readMigrationsFolder(values.migrations);
  const schema =
    values.schema === undefined ? undefined : await readSchema(values.schema, { fs: context.fs });
  const file = await readInputFile(dbPath, { fs: context.fs });
  await refuseOpenJournal(dbPath, file.path);
  checkHeader(file.bytes, dbPath);
  const conn = openSqlJs(await loadSqlJs(), file.bytes);
  let report: HealthReport;
  try {
    report = checkDatabase(conn, { schema, migrations, integrity: values.integrity ?? false });
  } finally {
    conn.close();
  }
  if (await hasStore(file.path)) {
    report = scoreHealth([...report.checks, ...(await snapshotChecks(file.path))]);
  }
  if (values.json) context.stdout(`${toJson(report)}\n`);
  else context.stdout(formatHealth(dbPath, report));
  return report.healthy ? EXIT.ok : EXIT.blocked;
}

/** Reads and validates the schema in a scratch database, so a typo is an error, not "drift". */
async function readSchema(path: string, options: { fs: CliContext['fs'] }): Promise<string> {
  const sql = await readTextFile(path, options);
  const scratch = openSqlJs(await loadSqlJs());
  try {
    loadSchemaText(scratch, sql, path);
  } finally {
    scratch.close();
  }
  return sql;
}

function checkDatabase(
  conn: SqlJsConnection,
  options: { schema: string | undefined; migrations: Migration[] | undefined; integrity: boolean },
): HealthReport {
  // The file is untrusted: no SQL functions hidden in its schema, and cell sizes checked on every read.
  conn.exec('PRAGMA trusted_schema = OFF');
  conn.exec('PRAGMA cell_size_check = ON');
  try {
    return health(conn, {
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.migrations ? { migrations: options.migrations } : {}),
      integrity: options.integrity,
    });
  } catch (error) {
    // A page damaged badly enough (the schema's own, say) stops the checks after integrity's.
    return scoreHealth([
      healthCheck('integrity', 'fail', `the database cannot be read: ${toErrorData(error).message}`),
    ]);
  }
}

/** Whether the newest snapshot verifies, and how full the disk holding the store is. */
async function snapshotChecks(realPath: string): Promise<HealthCheck[]> {
  const store = openStoreFor(realPath);
  try {
    const newest = (await store.listSnapshots())[0];
    const snapshot = !newest
      ? healthCheck('snapshot', 'warn', 'no snapshot saved yet')
      : (await store.verifySnapshot(newest.id)).kind === 'verified'
        ? healthCheck('snapshot', 'pass', `newest snapshot ${newest.id} verifies (${newest.createdAt})`)
        : healthCheck('snapshot', 'fail', `newest snapshot ${newest.id} fails verification`, {
            id: newest.id,
          });
    // The disk adapter's estimate: the store's size, and that plus the free space of its volume.
    const estimate = (await store.usage()).estimate;
    const share = estimate && estimate.quota > 0 ? estimate.usage / estimate.quota : null;
    const storage =
      share === null
        ? healthCheck('storage', 'skip', 'free disk space unknown')
        : healthCheck(
            'storage',
            share > 0.9 ? 'warn' : 'pass',
            `the snapshots take ${Math.round(share * 100)}% of the space they could grow into`,
          );
    return [snapshot, storage];
  } catch (error) {
    return [healthCheck('snapshot', 'fail', `the snapshots cannot be read: ${toErrorData(error).message}`)];
  } finally {
    await store.close();
  }
}

/**
 * The report as text: the score, then one line per check.
 * @example
 * process.stdout.write(formatHealth('app.sqlite', report));
 */
export function formatHealth(path: string, report: HealthReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = [`Health of ${path}: ${report.score}/100, ${report.healthy ? 'healthy' : 'not healthy'}.`];
  for (const check of report.checks) {
    const penalty = check.penalty ? `  (-${check.penalty})` : '';
    lines.push(`  ${check.status.padEnd(4)}  ${check.name.padEnd(width)}  ${check.message}${penalty}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Wraps text at spaces to the width of the rest of the help. */
function wrap(text: string, width = 104): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
