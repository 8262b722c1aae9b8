/**
 * `molt test [<history>] --schema schema.sql`: every past release's database, filled with generated
 * rows, upgraded to the current schema and migrations as the app's worker would, and proved to
 * converge with every kept row and value.
 */
import { MoltError } from '../../engine/errors.ts';
import type { Migration } from '../../engine/index.ts';
import { loadSqlJs, openSqlJs } from '../../sqlite/sql-js.ts';
import { type Release, testHistory } from '../../testing/index.ts';
import {
  type CliContext,
  EXIT,
  type ExitCode,
  parseCommandArgs,
  parseRenames,
  usageError,
} from '../command.ts';
import { toJson } from '../format.ts';
import { formatTestReport } from '../format-test.ts';
import { DEFAULT_GIT_COMMITS, migrationPrefixes, readGitHistory, readHistoryFolder } from '../history.ts';
import { readTextFile } from '../io.ts';
import { readMigrationsFolder } from '../migrations-folder.ts';

export const usage = `Usage: molt test [<history>] --schema <schema.sql> [options]

Proves that a database of every past release reaches the current schema without losing a value. For
each release it builds the release's database, fills every table with generated rows (types, NOT NULL,
UNIQUE, CHECK literals, foreign keys, and awkward values: NULLs, empty and non-ASCII text, the largest
integers, blobs), runs the startup path exactly as the app's worker does (pending migrations, then the
declared schema, in one transaction with foreign keys on), and checks that it converges (a second start
has nothing to do, and the schema is a fresh install's), that every row of every kept table is there
and that every kept column reads the same (through declared renames). A failure is shrunk to the
fewest rows that still show it.

The releases come from one of:
  <history>               a folder: <name>.sql is the schema of release <name>; a folder <name>/
                          holds that release's schema.sql and/or migrations/ (releases in name
                          order, numbers compared as numbers: v2 before v10)
  --git <file>            the versions of one schema file in git: its last commits, or its tags
  --migrations <dir>      alone: every prefix of the migrations is a release

Options:
  --schema <schema.sql>   the current schema (default with --git: the file as it is now)
  --migrations <dir>      the current versioned migrations (.sql files, run in name order)
  --git <file>            read the releases from git (see above)
  --tags                  with --git: one release per tag
  --last <n>              with --git: the last n commits that changed the file (default ${DEFAULT_GIT_COMMITS})
  --rows <n>              rows generated per table (default 100)
  --seed <s>              seed of the generated rows (default 1); the same seed gives the same rows
  --allow-data-loss <r>   losing data on the way from release <r> is expected (repeatable; '*': all)
  --rename old=new        rename table old to new (repeatable), as the app's renames option
  --rename table.old=new  rename column old of table to new (repeatable)
  --no-shrink             report failures without looking for the smallest reproduction
  --json                  print the report as JSON and nothing else on stdout
  -h, --help              show this help

Exit status: 0 every release converged with every value; 2 a release failed (blocked, a migration
failed, not converged, data lost or changed); 1 error (bad input, a release that cannot be built).
`;

const OPTIONS = {
  schema: { type: 'string' },
  migrations: { type: 'string' },
  git: { type: 'string' },
  tags: { type: 'boolean' },
  last: { type: 'string' },
  rows: { type: 'string' },
  seed: { type: 'string' },
  'allow-data-loss': { type: 'string', multiple: true },
  rename: { type: 'string', multiple: true },
  'no-shrink': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/**
 * Runs `molt test`.
 * @example
 * const code = await run(['history', '--schema', 'schema.sql'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseHistoryArgs(argv);
  const migrations =
    values.migrations === undefined ? undefined : await readMigrationsFolder(values.migrations);
  const schemaPath = values.schema ?? values.git;
  const schema = schemaPath === undefined ? undefined : await readTextFile(schemaPath, { fs: context.fs });
  if (schema === undefined && migrations === undefined) {
    throw usageError('test', 'give the current app: --schema <schema.sql> and/or --migrations <dir>');
  }
  const releases = allowLoss(
    await readReleases(positionals[0], values, migrations),
    values['allow-data-loss'] ?? [],
  );
  // A long history takes a while: on a terminal, say which release is being tested.
  const showProgress = !values.json && process.stderr.isTTY === true;
  const sqlite = await loadSqlJs();
  const conn = openSqlJs(sqlite);
  try {
    const report = testHistory(conn, {
      releases,
      current: {
        ...(schema === undefined ? {} : { schema }),
        ...(migrations === undefined ? {} : { migrations }),
        renames: parseRenames('test', values.rename),
      },
      rows: wholeNumber('--rows', values.rows, 100),
      seed: values.seed ?? '1',
      shrink: !values['no-shrink'],
      ...(showProgress
        ? { onProgress: (p) => context.stderr(`\r\x1b[Ktesting ${p.index}/${p.total}: ${p.release}`) }
        : {}),
    });
    if (showProgress) context.stderr('\r\x1b[K');
    if (values.json) context.stdout(`${toJson(report)}\n`);
    else context.stdout(formatTestReport(report, { target: target(schemaPath, values.migrations) }));
    if (report.releases.some((r) => r.outcome === 'error')) return EXIT.error;
    return report.ok ? EXIT.ok : EXIT.blocked;
  } finally {
    conn.close();
  }
}

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

function parseHistoryArgs(argv: string[]) {
  // <history> is optional: parse with one slot, then accept none.
  try {
    return parseCommandArgs('test', argv, OPTIONS, ['history']);
  } catch (error) {
    if (error instanceof MoltError && /missing <history>/.test(error.message)) {
      return parseCommandArgs('test', argv, OPTIONS, []);
    }
    throw error;
  }
}

async function readReleases(
  history: string | undefined,
  values: Values,
  migrations: Migration[] | undefined,
): Promise<Release[]> {
  const sources = [history !== undefined, values.git !== undefined].filter(Boolean).length;
  if (sources > 1) throw usageError('test', 'give the releases one way: <history> or --git, not both');
  if ((values.tags || values.last !== undefined) && values.git === undefined) {
    throw usageError('test', '--tags and --last read releases from git: add --git <file>');
  }
  if (values.tags && values.last !== undefined) throw usageError('test', 'give --tags or --last, not both');
  if (history !== undefined) return readHistoryFolder(history);
  if (values.git !== undefined) {
    return readGitHistory(values.git, {
      ...(values.tags ? { tags: true } : {}),
      ...(values.last === undefined ? {} : { last: wholeNumber('--last', values.last, DEFAULT_GIT_COMMITS) }),
    });
  }
  if (migrations && migrations.length > 1) return migrationPrefixes(migrations);
  throw usageError(
    'test',
    'give the past releases: a <history> folder, --git <file>, or --migrations with more than one migration',
  );
}

/** Marks the releases named by --allow-data-loss; a name that matches no release is an error. */
function allowLoss(releases: Release[], names: readonly string[]): Release[] {
  for (const name of names) {
    if (name !== '*' && !releases.some((r) => r.name === name)) {
      throw usageError(
        'test',
        `--allow-data-loss ${name}: no release has that name (${releases.map((r) => r.name).join(', ')})`,
      );
    }
  }
  return releases.map((r) =>
    names.includes('*') || names.includes(r.name) ? { ...r, allowDataLoss: true } : r,
  );
}

function wholeNumber(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw usageError('test', `${option} must be a whole number, not '${value}'`);
  return n;
}

function target(schema: string | undefined, migrations: string | undefined): string {
  return [schema, migrations === undefined ? undefined : `${migrations}/`].filter(Boolean).join(' + ');
}
