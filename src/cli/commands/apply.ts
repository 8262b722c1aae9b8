/**
 * `molt apply <db> <schema.sql>`: under the file's lock, plans, refuses when blocked, keeps a
 * `pre-migrate` snapshot, applies to an in-memory copy in one transaction, then replaces the file
 * atomically and saves the new bytes as the snapshot head. Until that rename the file on disk is not
 * touched, so any failure leaves it exactly as it was.
 */
import { type ApplyReport, applyPlan, type Plan } from '../../engine/index.ts';
import { checkQuickly } from '../../sqlite/untrusted.ts';
import type { SaveResult, SnapshotStore } from '../../storage/index.ts';
import { copyBytes, openStoreFor, RETENTION_HELP, saveHead, savePreMigrate } from '../backup.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { keepJournalMode, type OpenedDatabase } from '../database.ts';
import { LOCK_TIMEOUT_HELP, LOCK_TIMEOUT_OPTION, withDatabaseLock } from '../database-lock.ts';
import { formatApplyReport, formatPlan, toJson } from '../format.ts';
import { formatSnapshots } from '../format-migrate.ts';
import { replaceFileAtomically } from '../io.ts';
import { PLAN_OPTIONS, PLAN_OPTIONS_HELP, planFiles, planOptionsFrom } from '../planning.ts';

export const usage = `Usage: molt apply <db> <schema.sql> [options]

Migrates the SQLite database file <db> to the schema in <schema.sql>: plans as 'molt plan' does,
refuses when the plan is blocked, applies every step in one transaction (foreign keys enforced) to an
in-memory copy, checks the result, then replaces <db> atomically (temporary file in the same folder,
fsync, rename). On any failure <db> is left byte for byte as it was.

Before changing <db> it keeps a 'pre-migrate' snapshot of it in <db>.molt/, and after, the new file as
the snapshot head ('molt snapshots', 'molt restore'). Nothing is written when there is nothing to do.
${RETENTION_HELP}
Another 'molt apply' or 'molt migrate' on the same file waits for this one (lock file <db>.molt.lock).

Options:
${PLAN_OPTIONS_HELP.replace('print the plan as JSON', 'print { status, plan, report, snapshots } as JSON')}
  --no-backup             take no snapshot (and create no <db>.molt/)
${LOCK_TIMEOUT_HELP}
  -h, --help              show this help

<db> must exist (an empty file is an empty database), pass SQLite's quick_check, and not be open in
another program (a non-empty <db>-wal or <db>-journal is refused).

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
  const { db, plan } = await planFiles(dbPath, schemaPath, {
    ...planOptionsFrom('apply', values),
    fs: context.fs,
  });
  try {
    if (plan.blockers.length > 0) {
      if (values.json) context.stdout(`${toJson({ status: 'blocked', plan })}\n`);
      else context.stdout(`${formatPlan(plan)}\nBlocked: nothing was changed.\n`);
      return EXIT.blocked;
    }
    if (plan.steps.length === 0) {
      if (values.json) context.stdout(`${toJson({ status: 'up-to-date', plan })}\n`);
      else context.stdout(`${dbPath} already has this schema; nothing was written.\n`);
      return EXIT.ok;
    }
    const store = values['no-backup'] ? null : openStoreFor(real);
    const { report, writeMs, bytes, pre } = await applyToFile(db, plan, dbPath, store, context);
    const head =
      store &&
      (await saveHead(store, bytes, { schemaHash: plan.toHash, warn: (line) => context.stderr(line) }));
    const snapshots = { preMigrate: pre?.snapshot.id ?? null, head: head?.snapshot.id ?? null };
    if (values.json) {
      context.stdout(`${toJson({ status: 'applied', plan, report, snapshots })}\n`);
    } else {
      context.stdout(formatApplyReport(report, { path: dbPath, writeMs, warnings: plan.warnings }));
      if (store) context.stdout(formatSnapshots(pre, head));
    }
    return EXIT.ok;
  } finally {
    db.conn.close();
  }
}

/**
 * Applies in memory, then keeps the file's bytes as a `pre-migrate` snapshot, then replaces the file.
 * The snapshot comes after the in-memory work (a failed apply writes nothing at all) and before the
 * file changes (it is the way back).
 */
async function applyToFile(
  db: OpenedDatabase,
  plan: Plan,
  label: string,
  store: SnapshotStore | null,
  context: CliContext,
): Promise<{ report: ApplyReport; writeMs: number; bytes: Uint8Array; pre: SaveResult | null }> {
  const original = copyBytes(db.file.bytes);
  const report = applyPlan(db.conn, plan);
  // The engine has verified the schema; this makes sure the bytes about to replace the file are sound.
  checkQuickly(db.conn, `${label} after the migration`);
  const bytes = keepJournalMode(original, db.conn.export());
  const pre = store && (await savePreMigrate(store, original, { label, schemaHash: plan.fromHash }));
  const started = performance.now();
  await replaceFileAtomically(db.file.path, bytes, { fs: context.fs, expected: db.file.stat });
  return { report, writeMs: performance.now() - started, bytes, pre };
}
