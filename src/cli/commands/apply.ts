/**
 * `molt apply <db> <schema.sql>`: plans, refuses when blocked, applies to an in-memory copy in one
 * transaction, then replaces the file atomically. Until that rename the file on disk is not touched,
 * so any failure leaves it exactly as it was.
 */
import { type ApplyReport, applyPlan, type Plan } from '../../engine/index.ts';
import { checkQuickly } from '../../sqlite/untrusted.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { keepJournalMode, type OpenedDatabase } from '../database.ts';
import { formatApplyReport, formatPlan, toJson } from '../format.ts';
import { replaceFileAtomically } from '../io.ts';
import { PLAN_OPTIONS, PLAN_OPTIONS_HELP, planFiles, planOptionsFrom } from '../planning.ts';

export const usage = `Usage: molt apply <db> <schema.sql> [options]

Migrates the SQLite database file <db> to the schema in <schema.sql>: plans as 'molt plan' does,
refuses when the plan is blocked, applies every step in one transaction (foreign keys enforced) to an
in-memory copy, checks the result, then replaces <db> atomically (temporary file in the same folder,
fsync, rename). On any failure <db> is left byte for byte as it was.

Options:
${PLAN_OPTIONS_HELP.replace('print the plan as JSON', 'print { status, plan, report } as JSON')}
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
  const { values, positionals } = parseCommandArgs('apply', argv, PLAN_OPTIONS, ['db', 'schema.sql']);
  const [dbPath, schemaPath] = positionals as [string, string];
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
    const { report, writeMs } = await applyToFile(db, plan, dbPath, context);
    if (values.json) {
      context.stdout(`${toJson({ status: 'applied', plan, report })}\n`);
    } else {
      context.stdout(formatApplyReport(report, { path: dbPath, writeMs, warnings: plan.warnings }));
    }
    return EXIT.ok;
  } finally {
    db.conn.close();
  }
}

async function applyToFile(
  db: OpenedDatabase,
  plan: Plan,
  label: string,
  context: CliContext,
): Promise<{ report: ApplyReport; writeMs: number }> {
  const report = applyPlan(db.conn, plan);
  // The engine has verified the schema; this makes sure the bytes about to replace the file are sound.
  checkQuickly(db.conn, `${label} after the migration`);
  const bytes = keepJournalMode(db.file.bytes, db.conn.export());
  const started = performance.now();
  await replaceFileAtomically(db.file.path, bytes, { fs: context.fs, expected: db.file.stat });
  return { report, writeMs: performance.now() - started };
}
