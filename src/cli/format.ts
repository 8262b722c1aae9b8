/**
 * How plans and reports read in a terminal, and how they are written as JSON. Plain text, no colour:
 * the output is as often a CI log or a pull-request comment as a terminal.
 */
import type { ApplyReport, Blocker, Plan, Step, Warning } from '../engine/index.ts';

/** How many sample rows of a blocker are shown. */
export const DEFAULT_SAMPLE_ROWS = 5;

/**
 * The plan as text: steps with their risk, reason and SQL, then warnings, then blockers.
 * @example
 * process.stdout.write(formatPlan(plan));
 */
export function formatPlan(plan: Plan): string {
  const lines = [`SQLite ${plan.sqliteVersion}, schema ${short(plan.fromHash)} -> ${short(plan.toHash)}`];
  if (plan.steps.length === 0) lines.push('', 'No steps: the database already has this schema.');
  else lines.push('', `${count(plan.steps.length, 'step')}:`);
  plan.steps.forEach((step, i) => {
    lines.push(...formatStep(step, i + 1));
  });
  if (plan.warnings.length > 0) {
    lines.push('', `${count(plan.warnings.length, 'warning')}:`);
    for (const warning of plan.warnings) lines.push(formatWarning(warning));
  }
  if (plan.blockers.length > 0) {
    lines.push('', `${count(plan.blockers.length, 'blocker')}:`);
    for (const blocker of plan.blockers) lines.push(...formatBlocker(blocker));
  }
  return `${lines.join('\n')}\n`;
}

function formatStep(step: Step, n: number): string[] {
  const on = step.table && step.table !== step.object ? ` (on ${step.table})` : '';
  const lines = [`  ${n}. ${step.kind} ${step.object}${on} [${step.risk}]`];
  if (step.reason) lines.push(`     ${step.reason}`);
  for (const statement of step.statements) {
    const sql = statement.sql.trim().endsWith(';') ? statement.sql.trim() : `${statement.sql.trim()};`;
    for (const line of sql.split('\n')) lines.push(`     | ${line}`);
    if (statement.params && statement.params.length > 0) {
      lines.push(`     |   -- with values ${toJson(statement.params, 0)}`);
    }
  }
  return lines;
}

function formatWarning(warning: Warning): string {
  return `  - ${warning.kind} ${warning.object}: ${warning.message}`;
}

function formatBlocker(blocker: Blocker): string[] {
  const lines = [`  x ${blocker.kind} ${blocker.object}: ${blocker.message}`];
  const rows = blocker.rows ?? [];
  if (rows.length > 0) {
    const shown = rows.slice(0, DEFAULT_SAMPLE_ROWS).map(formatValue).join(', ');
    const more =
      blocker.count > Math.min(rows.length, DEFAULT_SAMPLE_ROWS)
        ? `, ... (${number(blocker.count)} in all)`
        : '';
    lines.push(`    rows: ${shown}${more}`);
  }
  if (blocker.hint) lines.push(`    hint: ${blocker.hint}`);
  const option = optionFor(blocker);
  if (option) lines.push(`    or: ${option}`);
  return lines;
}

/** The command-line way out of a blocker, where there is one. */
function optionFor(blocker: Blocker): string | null {
  if (blocker.kind === 'data-loss') return 'pass --allow-data-loss to drop it';
  if (blocker.kind === 'possible-rename') {
    return `pass --rename ${blocker.object}=<new name> if it is a rename, --allow-data-loss if it is not`;
  }
  return null;
}

/**
 * The report of an apply, short: what ran, how long each step took, the rows copied.
 * @example
 * process.stdout.write(formatApplyReport(report, { path: 'app.sqlite', writeMs: 3, warnings: plan.warnings }));
 */
export function formatApplyReport(
  report: ApplyReport,
  options: { path: string; writeMs: number | null; warnings?: readonly Warning[] },
): string {
  // writeMs is null when the file was written in place, inside the transaction.
  const written = options.writeMs === null ? '' : `, written in ${ms(options.writeMs)}`;
  const lines = [
    `Applied ${count(report.steps.length, 'step')} to ${options.path} in ${ms(report.durationMs)}` +
      ` (${number(report.rowsCopied)} rows copied)${written}.`,
  ];
  const width = Math.max(...report.steps.map((s) => `${s.kind} ${s.object}`.length));
  for (const step of report.steps) {
    const copied = step.rowsCopied === undefined ? '' : `  ${number(step.rowsCopied)} rows copied`;
    lines.push(
      `  ${`${step.kind} ${step.object}`.padEnd(width)}  ${ms(step.durationMs).padStart(9)}${copied}`,
    );
  }
  const warnings = options.warnings ?? [];
  if (warnings.length > 0) {
    lines.push(`${count(warnings.length, 'warning')}:`);
    for (const warning of warnings) lines.push(formatWarning(warning));
  }
  lines.push(`Schema is now ${short(report.toHash)}.`);
  return `${lines.join('\n')}\n`;
}

/**
 * JSON for `--json`: bigints as numbers when exact (strings otherwise), bytes as hex.
 * @example
 * process.stdout.write(`${toJson(plan)}\n`);
 */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      if (v instanceof Uint8Array) return hex(v);
      return v;
    },
    indent,
  );
}

function formatValue(value: unknown): string {
  if (value instanceof Uint8Array) return `x'${hex(value)}'`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return toJson(value, 0);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function short(hash: string): string {
  return hash.slice(0, 12);
}

function count(n: number, noun: string): string {
  return `${number(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function number(n: number): string {
  return n.toLocaleString('en-US');
}

function ms(duration: number): string {
  return duration < 10 ? `${duration.toFixed(1)} ms` : `${number(Math.round(duration))} ms`;
}
