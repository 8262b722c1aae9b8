/**
 * How a `molt migrate` run reads in a terminal: one line saying what happened, a line per migration
 * (status, time, rows changed), the schema steps, and the snapshots taken around the write.
 */
import type { MigrateReport } from '../engine/index.ts';
import type { SaveResult } from '../storage/index.ts';
import { formatPlan } from './format.ts';

/** A run of `molt migrate`: the engine's report and what the command did with the file. */
export interface MigrateOutcome {
  report: MigrateReport;
  /** The database path as given. */
  path: string;
  /** How long replacing the file took; null when it was not written. */
  writeMs: number | null;
  /** The snapshots taken; null with --no-backup or when nothing was written. */
  snapshots: { pre: SaveResult | null; head: SaveResult | null } | null;
}

/**
 * The report as text.
 * @example
 * process.stdout.write(formatMigrateReport({ report, path: 'app.sqlite', writeMs: 2.5, snapshots: null }));
 */
export function formatMigrateReport(outcome: MigrateOutcome): string {
  const { report, path } = outcome;
  const ran = report.migrations.length;
  const versions = `user_version ${report.userVersion.before} -> ${report.userVersion.after}`;
  const lines: string[] = [];
  switch (report.status) {
    case 'applied': {
      const steps = report.schemaSteps.length ? `, ${count(report.schemaSteps.length, 'schema step')}` : '';
      const written = outcome.writeMs === null ? '' : `; written in ${ms(outcome.writeMs)}`;
      lines.push(
        `Migrated ${path} in ${ms(report.durationMs)}: ${count(ran, 'migration')} applied (${versions})${steps}${written}.`,
      );
      lines.push(...migrationLines(report), ...schemaStepLines(report), ...warningLines(report));
      break;
    }
    case 'up-to-date':
      lines.push(
        `${path} is up to date: ${count(report.alreadyApplied, 'migration')} applied, user_version ` +
          `${report.userVersion.before}${report.plan ? ', schema as declared' : ''}; nothing was written.`,
      );
      break;
    case 'dry-run':
      lines.push(
        `Dry run on ${path}: ${count(ran, 'migration')} would run (${report.alreadyApplied} already applied); ` +
          'nothing was written.',
      );
      lines.push(...migrationLines(report));
      if (report.plan)
        lines.push('', 'Then, to reach the declared schema:', formatPlan(report.plan).trimEnd());
      break;
    case 'blocked':
      lines.push(...migrationLines(report));
      if (report.plan) lines.push(formatPlan(report.plan).trimEnd());
      lines.push('', 'Blocked: nothing was changed.');
      break;
    case 'failed':
      if (ran > 0) lines.push(...migrationLines(report), 'Failed: nothing of the batch was kept.');
      break;
    case 'pending':
      lines.push(`${path} has ${count(ran, 'pending migration')}.`);
      break;
    default: {
      const unknown: never = report.status;
      throw new Error(`unknown status ${String(unknown)}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function migrationLines(report: MigrateReport): string[] {
  const width = Math.max(0, ...report.migrations.map((m) => m.id.length));
  return report.migrations.map((m) => {
    const time = m.durationMs === undefined ? '' : ms(m.durationMs).padStart(10);
    const rows = m.rowsChanged === undefined ? '' : `  ${count(m.rowsChanged, 'row')} changed`;
    return `  ${m.id.padEnd(width)}  ${m.status.padEnd(11)}${time}${rows}`.trimEnd();
  });
}

function schemaStepLines(report: MigrateReport): string[] {
  if (report.schemaSteps.length === 0) return [];
  const names = report.schemaSteps.map((s) => `${s.kind} ${s.object}`);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Schema steps:',
    ...report.schemaSteps.map((step, i) => {
      const copied = step.rowsCopied === undefined ? '' : `  ${count(step.rowsCopied, 'row')} copied`;
      return `  ${names[i]!.padEnd(width)}  ${ms(step.durationMs).padStart(9)}${copied}`;
    }),
  ];
}

function warningLines(report: MigrateReport): string[] {
  const warnings = report.plan?.warnings ?? [];
  if (warnings.length === 0) return [];
  return [
    `${count(warnings.length, 'warning')}:`,
    ...warnings.map((w) => `  - ${w.kind} ${w.object}: ${w.message}`),
  ];
}

/**
 * The snapshot line of a run that wrote the file.
 * @example
 * formatSnapshots(pre, head); // 'Snapshots: pre-migrate 000001-…, head 000002-….\n'
 */
export function formatSnapshots(pre: SaveResult | null, head: SaveResult | null): string {
  const before = pre ? `pre-migrate ${pre.snapshot.id}` : 'no pre-migrate snapshot (the file was empty)';
  const after = head ? `head ${head.snapshot.id}` : 'the new head was not saved (see the warning)';
  return `Snapshots: ${before}, ${after}.\n`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function ms(duration: number): string {
  return duration < 10 ? `${duration.toFixed(1)} ms` : `${Math.round(duration).toLocaleString('en-US')} ms`;
}
