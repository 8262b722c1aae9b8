/**
 * `molt migrate <db> <dir>`: the versioned `.sql` migrations of a folder, then (with `--schema`) the
 * declarative convergence, in one transaction on an in-memory copy; then, as `apply` does, the file is
 * replaced atomically under its lock, with a `pre-migrate` snapshot before and the new head after.
 */
import {
  checkMigration,
  fromErrorData,
  type MigrateOptions,
  type MigrateProgress,
  type MigrateReport,
  MoltError,
  migrate,
} from '../../engine/index.ts';
import { checkQuickly } from '../../sqlite/untrusted.ts';
import { copyBytes, openStoreFor, RETENTION_HELP, saveHead, savePreMigrate } from '../backup.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { keepJournalMode } from '../database.ts';
import {
  LOCK_TIMEOUT_HELP,
  LOCK_TIMEOUT_OPTION,
  parseLockTimeout,
  withDatabaseLock,
} from '../database-lock.ts';
import { toJson } from '../format.ts';
import { formatMigrateReport, formatSnapshots, type MigrateOutcome } from '../format-migrate.ts';
import { readTextFile, replaceFileAtomically } from '../io.ts';
import { type MigrationFile, readMigrationsFolder } from '../migrations-folder.ts';
import {
  chooseSqlite,
  describeSqlite,
  explainNativeError,
  SQLITE_HELP,
  SQLITE_OPTION,
  type SqliteUsed,
} from '../native-database.ts';
import { writeInPlace } from '../native-write.ts';
import { type FileDatabase, openFile } from '../planning.ts';
import { createProgress } from '../progress.ts';

export const usage = `Usage: molt migrate <db> <dir> [options]

Runs the versioned migrations in folder <dir> on the SQLite database file <db>: every .sql file is one
migration, its id the file name without .sql, run in id order. Those that already ran (the ledger
table _molt_migrations, and PRAGMA user_version) are skipped; a migration that changed since it ran,
is missing, or that the database does not know is refused before anything runs. With --schema, the
database is then brought to that schema as 'molt apply' does. Everything runs in one transaction on an
in-memory copy (foreign keys enforced); <db> is then replaced atomically. On any failure <db> is left
byte for byte as it was.

Before changing <db> it keeps a 'pre-migrate' snapshot of it in <db>.molt/ (its id is recorded in the
ledger), and after, the new file as the snapshot head ('molt snapshots', 'molt restore'). When the
database is up to date nothing is written.
${RETENTION_HELP}
Another 'molt apply' or 'molt migrate' on the same file waits for this one (lock file <db>.molt.lock).

Options:
  --schema <schema.sql>   after the migrations, converge to this schema (CREATE statements)
  --dry-run               run everything, then roll back: report what would happen, write nothing
  --allow-data-loss       let the --schema plan drop tables and columns that hold data
  --allow-checksum-drift  accept migrations whose text changed since they ran
  --no-backup             take no snapshot (and create no <db>.molt/)
${LOCK_TIMEOUT_HELP}
  --json                  print the report as JSON and nothing else on stdout
${SQLITE_HELP}
  -h, --help              show this help

Exit status: 0 applied, up to date or dry run; 2 blocked by the --schema plan (nothing was changed);
1 error (nothing was changed).
`;

const OPTIONS = {
  schema: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  'allow-data-loss': { type: 'boolean' },
  'allow-checksum-drift': { type: 'boolean' },
  'no-backup': { type: 'boolean' },
  ...LOCK_TIMEOUT_OPTION,
  ...SQLITE_OPTION,
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

/**
 * Runs `molt migrate`.
 * @example
 * const code = await run(['app.sqlite', 'migrations', '--schema', 'schema.sql'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('migrate', argv, OPTIONS, ['db', 'dir']);
  const [dbPath, dir] = positionals as [string, string];
  // Inputs are read before waiting for the lock, so a typo fails at once.
  const migrations = await readMigrationsFolder(dir);
  const schema =
    values.schema === undefined ? undefined : await readTextFile(values.schema, { fs: context.fs });
  const options: MigrateOptions = {
    migrations,
    ...(schema === undefined ? {} : { schema }),
    allowDataLoss: values['allow-data-loss'] ?? false,
    allowChecksumDrift: values['allow-checksum-drift'] ?? false,
  };
  const sqlite = await chooseSqlite('migrate', values.sqlite);
  const busyTimeoutMs = parseLockTimeout('migrate', values['lock-timeout']);
  if (values['dry-run']) {
    // A dry run writes nothing, not even a lock file: like 'molt plan' it only reads. Under sql.js the
    // file is only ever replaced by a rename, so what it reads is whole; native SQLite runs it in a
    // transaction on the file that it rolls back.
    const db = await openFile(dbPath, { fs: context.fs, sqlite, write: true, busyTimeoutMs });
    try {
      const report = migrate(db.conn, { ...options, dryRun: true });
      if (db.kind === 'native') await refuseBusy(report, db);
      const outcome = { report, path: dbPath, writeMs: null, snapshots: null, sqlite: db.sqlite };
      return finish(outcome, migrations, values, context);
    } finally {
      db.conn.close();
    }
  }
  return withDatabaseLock(
    dbPath,
    async (real) => {
      const db = await openFile(dbPath, { fs: context.fs, sqlite, write: true, busyTimeoutMs });
      try {
        const outcome =
          db.kind === 'native'
            ? await migrateInPlace(db, real, options, values, context)
            : await migrateFile(db, real, dbPath, options, values, context);
        return finish({ ...outcome, sqlite: db.sqlite }, migrations, values, context);
      } finally {
        db.conn.close();
      }
    },
    {
      command: 'migrate',
      timeout: values['lock-timeout'],
      ...(process.stderr.isTTY && { notify: context.stderr }),
    },
  );
}

/** Checks first, so that nothing (not even a snapshot) is written unless there is work to do. */
async function migrateFile(
  db: FileDatabase & { kind: 'wasm' },
  real: string,
  path: string,
  options: MigrateOptions,
  values: Values,
  context: CliContext,
): Promise<MigrateOutcome> {
  const check = checkMigration(db.conn, options);
  if (check.status !== 'pending') return { report: check, path, writeMs: null, snapshots: null };
  const original = copyBytes(db.file.bytes);
  const store = values['no-backup'] ? null : openStoreFor(real);
  const pre = store && (await savePreMigrate(store, original, { label: path }));
  const report = migrate(db.conn, { ...options, snapshotId: pre?.snapshot.id ?? null });
  if (report.status !== 'applied') return { report, path, writeMs: null, snapshots: null };
  checkQuickly(db.conn, `${path} after the migration`);
  const bytes = keepJournalMode(original, db.conn.export());
  const started = performance.now();
  await replaceFileAtomically(db.file.path, bytes, { fs: context.fs, expected: db.file.stat });
  const writeMs = performance.now() - started;
  const head = store && (await saveHead(store, bytes, { warn: (line) => context.stderr(line) }));
  return { report, path, writeMs, snapshots: store ? { pre, head } : null };
}

/**
 * The same on the file in place: the migrations and the schema in SQLite's own transaction, between a
 * `pre-migrate` snapshot (its id recorded in the ledger) and the new head.
 */
async function migrateInPlace(
  db: FileDatabase & { kind: 'native' },
  real: string,
  options: MigrateOptions,
  values: Values,
  context: CliContext,
): Promise<MigrateOutcome> {
  const path = db.label;
  const check = checkMigration(db.conn, options);
  if (check.status !== 'pending') return { report: check, path, writeMs: null, snapshots: null };
  const store = values['no-backup'] ? null : openStoreFor(real);
  const progress = createProgress();
  try {
    const {
      result: report,
      pre,
      head,
    } = await writeInPlace(
      db,
      (conn, pre) =>
        migrate(conn, {
          ...options,
          snapshotId: pre?.snapshot.id ?? null,
          onProgress: (p) => progress.phase(describeMigrateProgress(p)),
        }),
      {
        store,
        progress,
        pre: { reason: 'pre-migrate' },
        head: (result) => ((result as MigrateReport).status === 'applied' ? { reason: 'save' } : null),
        warn: (line) => context.stderr(line),
      },
    );
    await refuseBusy(report, db);
    if (report.status !== 'applied') return { report, path, writeMs: null, snapshots: null };
    return { report, path, writeMs: null, snapshots: store ? { pre, head } : null };
  } finally {
    progress.end();
  }
}

/** A run that failed because another process kept the file locked is a `locked` error, not a failure. */
async function refuseBusy(report: MigrateReport, db: FileDatabase & { kind: 'native' }): Promise<void> {
  if (report.status !== 'failed' || !report.error) return;
  const error = fromErrorData(report.error);
  const explained = await explainNativeError(error, db.label, db.path);
  if (explained !== error) throw explained;
}

function describeMigrateProgress(p: MigrateProgress): string {
  switch (p.phase) {
    case 'migration':
      return `migration ${p.index}/${p.total} ${p.id}`;
    case 'schema':
      return `schema step ${p.step}/${p.total} ${p.kind} ${p.object}`;
    case 'checks':
      return 'checking the result';
    default:
      return p satisfies never;
  }
}

function finish(
  outcome: MigrateOutcome & { sqlite?: SqliteUsed },
  migrations: readonly MigrationFile[],
  values: Values,
  context: CliContext,
): ExitCode {
  const { report } = outcome;
  if (values.json) {
    const snapshots = outcome.snapshots && {
      preMigrate: outcome.snapshots.pre?.snapshot.id ?? null,
      head: outcome.snapshots.head?.snapshot.id ?? null,
    };
    context.stdout(`${toJson({ ...report, writeMs: outcome.writeMs, snapshots, sqlite: outcome.sqlite })}\n`);
  } else {
    context.stdout(formatMigrateReport(outcome));
    if (outcome.snapshots) context.stdout(formatSnapshots(outcome.snapshots.pre, outcome.snapshots.head));
    if (outcome.sqlite && (report.status === 'applied' || report.status === 'dry-run')) {
      context.stdout(
        `Ran on ${describeSqlite(outcome.sqlite)}${outcome.sqlite.engine === 'native' ? ', in place' : ''}.\n`,
      );
    }
  }
  if (report.status === 'blocked') return EXIT.blocked;
  if (report.status === 'failed') throw failure(report, migrations, values.schema);
  return EXIT.ok;
}

/** The one error line of a failed run: the file and the statement, when a migration failed. */
function failure(
  report: MigrateReport,
  migrations: readonly MigrationFile[],
  schemaPath: string | undefined,
): MoltError {
  const error = report.error ?? { code: 'internal' as const, message: 'the migration failed' };
  const details = error.details ?? {};
  if (error.code === 'migration-failed') {
    const file = migrations.find((m) => m.id === details.id)?.file ?? String(details.id);
    const cause = (details.cause as { message?: string } | undefined)?.message ?? error.message;
    const statement = String(details.statement ?? '').trim();
    const shown = statement.length > 200 ? `${statement.slice(0, 200)}…` : statement;
    return new MoltError('migration-failed', `${file}: ${cause}${shown ? ` in: ${shown}` : ''}`, {
      ...details,
      file,
    });
  }
  if (error.code === 'schema-invalid' && schemaPath) {
    return new MoltError(error.code, `${schemaPath}: ${error.message}`, { ...details, path: schemaPath });
  }
  return new MoltError(error.code, error.message, details);
}
