/**
 * `molt apply <db> <schema.sql>`: under the file's lock, plans, refuses when blocked, keeps a
 * `pre-migrate` snapshot, applies in one transaction and saves the result as the snapshot head. Native
 * SQLite applies on the file in place, in SQLite's own transaction; sql.js (`--sqlite wasm`) applies to
 * an in-memory copy and replaces the file atomically. Either way a failure leaves the file as it was.
 */
import { type ApplyReport, applyPlan, type Plan } from '../../engine/index.ts';
import { checkQuickly } from '../../sqlite/untrusted.ts';
import type { SaveResult, SnapshotStore } from '../../storage/index.ts';
import { copyBytes, openStoreFor, RETENTION_HELP, saveHead, savePreMigrate } from '../backup.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { keepJournalMode } from '../database.ts';
import {
  LOCK_TIMEOUT_HELP,
  LOCK_TIMEOUT_OPTION,
  parseLockTimeout,
  withDatabaseLock,
} from '../database-lock.ts';
import { formatApplyReport, formatPlan, toJson } from '../format.ts';
import { formatSnapshots } from '../format-migrate.ts';
import { replaceFileAtomically } from '../io.ts';
import { chooseSqlite, describeSqlite } from '../native-database.ts';
import { writeInPlace } from '../native-write.ts';
import {
  type FileDatabase,
  PLAN_OPTIONS,
  PLAN_OPTIONS_HELP,
  planFiles,
  planOptionsFrom,
} from '../planning.ts';
import { createProgress, type ProgressLine } from '../progress.ts';

export const usage = `Usage: molt apply <db> <schema.sql> [options]

Migrates the SQLite database file <db> to the schema in <schema.sql>: plans as 'molt plan' does,
refuses when the plan is blocked, and applies every step in one transaction, checking the result
before it commits. With native SQLite (better-sqlite3, the default when installed) the transaction is
SQLite's own on <db> in place: programs that have <db> open are waited for (up to --lock-timeout) and
see the old or the new database, never a mix. With --sqlite wasm it runs on an in-memory copy and <db>
is replaced atomically (temporary file, fsync, rename). On any failure <db> is left as it was.
A write-protected <db> is refused (read-only), and so is one another program keeps locked (locked).

Before changing <db> it keeps a 'pre-migrate' snapshot of it in <db>.molt/, and after, the new file as
the snapshot head ('molt snapshots', 'molt restore'). Nothing is written when there is nothing to do.
${RETENTION_HELP}
Another 'molt apply' or 'molt migrate' on the same file waits for this one (lock file <db>.molt.lock).

Options:
${PLAN_OPTIONS_HELP.replace('print the plan as JSON', 'print { status, plan, report, snapshots } as JSON')}
  --no-backup             take no snapshot (and create no <db>.molt/)
${LOCK_TIMEOUT_HELP}
  -h, --help              show this help

<db> must exist (an empty file is an empty database) and pass SQLite's quick_check. Under --sqlite
wasm it must not be open in another program (a non-empty <db>-wal or <db>-journal is refused).

Exit status: 0 applied (or nothing to do), 2 blocked (nothing was changed), 1 error (nothing was changed).
`;

/**
 * Runs `molt apply`.
 * @example
 * const code = await run(['app.sqlite', 'schema.sql', '--rename', 'users.mail=email'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('apply', argv, OPTIONS, ['db', 'schema.sql']);
  const [dbPath, schemaPath] = positionals as [string, string];
  return withDatabaseLock(dbPath, (real) => applyLocked(real, dbPath, schemaPath, values, context), {
    command: 'apply',
    timeout: values['lock-timeout'],
    ...(process.stderr.isTTY && { notify: context.stderr }),
  });
}

const OPTIONS = { ...PLAN_OPTIONS, ...LOCK_TIMEOUT_OPTION, 'no-backup': { type: 'boolean' } } as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

async function applyLocked(
  real: string,
  dbPath: string,
  schemaPath: string,
  values: Values,
  context: CliContext,
): Promise<ExitCode> {
  const progress = createProgress();
  progress.phase(`checking ${dbPath}`);
  const { db, plan } = await planFiles(dbPath, schemaPath, {
    ...planOptionsFrom('apply', values),
    fs: context.fs,
    sqlite: await chooseSqlite('apply', values.sqlite),
    write: true,
    busyTimeoutMs: parseLockTimeout('apply', values['lock-timeout']),
  });
  try {
    const sqlite = db.sqlite;
    if (plan.blockers.length > 0) {
      progress.end();
      if (values.json) context.stdout(`${toJson({ status: 'blocked', plan, sqlite })}\n`);
      else context.stdout(`${formatPlan(plan)}\nBlocked: nothing was changed.\n`);
      return EXIT.blocked;
    }
    if (plan.steps.length === 0) {
      progress.end();
      if (values.json) context.stdout(`${toJson({ status: 'up-to-date', plan, sqlite })}\n`);
      else context.stdout(`${dbPath} already has this schema; nothing was written.\n`);
      return EXIT.ok;
    }
    const store = values['no-backup'] ? null : openStoreFor(real);
    const { report, writeMs, pre, head } =
      db.kind === 'native'
        ? await applyInPlace(db, plan, store, context, progress)
        : await applyToFile(db, plan, dbPath, store, context);
    progress.end();
    const snapshots = { preMigrate: pre?.snapshot.id ?? null, head: head?.snapshot.id ?? null };
    if (values.json) {
      context.stdout(`${toJson({ status: 'applied', plan, report, snapshots, sqlite })}\n`);
    } else {
      context.stdout(formatApplyReport(report, { path: dbPath, writeMs, warnings: plan.warnings }));
      if (store) context.stdout(formatSnapshots(pre, head));
      context.stdout(`Ran on ${describeSqlite(sqlite)}${db.kind === 'native' ? ', in place' : ''}.\n`);
    }
    return EXIT.ok;
  } finally {
    progress.end();
    db.conn.close();
  }
}

interface Applied {
  report: ApplyReport;
  writeMs: number | null;
  pre: SaveResult | null;
  head: SaveResult | null;
}

/**
 * Applies in memory, then keeps the file's bytes as a `pre-migrate` snapshot, then replaces the file.
 * The snapshot comes after the in-memory work (a failed apply writes nothing at all) and before the
 * file changes (it is the way back).
 */
async function applyToFile(
  db: FileDatabase & { kind: 'wasm' },
  plan: Plan,
  label: string,
  store: SnapshotStore | null,
  context: CliContext,
): Promise<Applied> {
  const original = copyBytes(db.file.bytes);
  const report = applyPlan(db.conn, plan);
  // The engine has verified the schema; this makes sure the bytes about to replace the file are sound.
  checkQuickly(db.conn, `${label} after the migration`);
  const bytes = keepJournalMode(original, db.conn.export());
  const pre = store && (await savePreMigrate(store, original, { label, schemaHash: plan.fromHash }));
  const started = performance.now();
  await replaceFileAtomically(db.file.path, bytes, { fs: context.fs, expected: db.file.stat });
  const writeMs = performance.now() - started;
  const head =
    store &&
    (await saveHead(store, bytes, { schemaHash: plan.toHash, warn: (line) => context.stderr(line) }));
  return { report, writeMs, pre, head };
}

/**
 * Applies on the file itself in SQLite's own transaction, after a `pre-migrate` snapshot read from the
 * file under SQLite's lock; the engine's transaction then starts only if nothing changed since.
 */
async function applyInPlace(
  db: FileDatabase & { kind: 'native' },
  plan: Plan,
  store: SnapshotStore | null,
  context: CliContext,
  progress: ProgressLine,
): Promise<Applied> {
  const {
    result: report,
    pre,
    head,
  } = await writeInPlace(db, (conn) => applyPlan(conn, plan, { onProgress: (p) => progress.step(p) }), {
    store,
    progress,
    pre: { reason: 'pre-migrate', schemaHash: plan.fromHash },
    head: { reason: 'save', schemaHash: plan.toHash },
    warn: (line) => context.stderr(line),
  });
  return { report, writeMs: null, pre, head };
}
