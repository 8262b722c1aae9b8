/**
 * How a `molt test` run reads: a matrix of releases and outcomes, then each failure with its problems
 * (blockers with sample rows, values with the row, before and after) and the smallest reproduction.
 */
import type { HistoryReport, Problem, ReleaseReport } from '../testing/index.ts';

/**
 * The report as text.
 * @example
 * process.stdout.write(formatTestReport(report, { target: 'schema.sql' }));
 */
export function formatTestReport(report: HistoryReport, options: { target: string }): string {
  const n = report.releases.length;
  const lines = [
    `Tested ${count(n, 'release')} against ${options.target}: ${number(report.rows)} rows per table, seed ${report.seed} (${seconds(report.durationMs)}).`,
    '',
  ];
  const rows = report.releases.map((r) => [r.name, r.outcome, number(totalRows(r)), summary(r)]);
  const header = ['RELEASE', 'OUTCOME', 'ROWS', 'DETAIL'];
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    lines.push(
      `  ${row.map((cell, i) => (i === 2 ? cell.padStart(width[i]!) : i === 3 ? cell : cell.padEnd(width[i]!))).join('  ')}`,
    );
  }
  const failed = report.releases.filter((r) => !r.ok);
  for (const release of failed) lines.push('', ...failure(release));
  const converged = n - failed.length;
  lines.push(
    '',
    failed.length === 0
      ? `All ${count(n, 'release')} converged with every kept row and value.`
      : `${converged} of ${count(n, 'release')} converged; ${failed.length} failed: ${failed.map((r) => r.name).join(', ')}.`,
  );
  return `${lines.join('\n')}\n`;
}

function totalRows(release: ReleaseReport): number {
  return release.tables.reduce((sum, t) => sum + t.rows, 0);
}

/** One cell: what happened, in a few words. */
function summary(release: ReleaseReport): string {
  if (!release.ok) {
    const first = release.problems[0]!;
    const more = release.problems.length > 1 ? ` (+${release.problems.length - 1} more)` : '';
    return `${headline(first)}${more}`;
  }
  const parts: string[] = [];
  const m = release.migration;
  if (m.migrationsRun > 0) parts.push(count(m.migrationsRun, 'migration'));
  if (m.steps > 0) parts.push(count(m.steps, 'schema step'));
  if (parts.length === 0) parts.push('up to date');
  if (release.filled > 0) parts.push(`${count(release.filled, 'NULL')} filled`);
  if (release.allowed.length > 0) parts.push(`allowed: ${release.allowed.map(headline).join('; ')}`);
  return parts.join(', ');
}

/** A problem in one line. */
export function headline(problem: Problem): string {
  switch (problem.kind) {
    case 'blocked':
      return `${problem.blocker.kind} ${problem.blocker.object}: ${problem.blocker.message}`;
    case 'failed':
      return `${problem.error.code}: ${oneLine(problem.error.message)}`;
    case 'not-converged':
      return `not converged: ${problem.message}`;
    case 'table-dropped':
      return `table ${problem.table} dropped with ${count(problem.rows, 'row')}`;
    case 'column-dropped':
      return `column ${problem.table}.${problem.column} dropped with ${count(problem.values, 'value')}`;
    case 'rows-lost':
      return `${number(problem.before - problem.after > 0 ? problem.before - problem.after : problem.rows.length)} of ${number(problem.before)} rows of ${problem.table} lost`;
    case 'value-changed':
      return `${count(problem.count, 'value')} of ${problem.table}.${problem.column} changed`;
    default: {
      const never: never = problem;
      return never;
    }
  }
}

/** The lines under a problem: sample rows, values before and after, hints. */
function details(problem: Problem): string[] {
  switch (problem.kind) {
    case 'blocked': {
      const lines: string[] = [];
      const rows = problem.blocker.rows ?? [];
      if (rows.length > 0)
        lines.push(
          `rows: ${rows.slice(0, 5).map(literal).join(', ')}${problem.blocker.count > 5 ? ', ...' : ''}`,
        );
      if (problem.blocker.hint) lines.push(`hint: ${problem.blocker.hint}`);
      return lines;
    }
    case 'failed': {
      const statement = problem.error.details?.statement;
      return typeof statement === 'string' ? [`statement: ${oneLine(statement)}`] : [];
    }
    case 'not-converged':
      return [`details: ${JSON.stringify(problem.details)}`];
    case 'rows-lost':
      return problem.rows.length > 0 ? [`missing: ${problem.rows.join('; ')}`] : [];
    case 'value-changed':
      return problem.samples.map((s) => `${s.row}: ${s.before} -> ${s.after}`);
    case 'table-dropped':
    case 'column-dropped':
      return [];
    default: {
      const never: never = problem;
      return never;
    }
  }
}

function failure(release: ReleaseReport): string[] {
  const lines = [`${release.name}: ${release.outcome}`];
  for (const problem of release.problems) {
    lines.push(`  x ${headline(problem)}`);
    for (const line of details(problem)) lines.push(`      ${line}`);
  }
  const repro = release.repro;
  if (repro) {
    lines.push(
      `  smallest reproduction of "${repro.problem}": ${count(repro.rows, 'row')}` +
        `${repro.schemaShrunk ? ', the tables it needs' : ''} (${count(repro.runs, 'rerun')})`,
    );
    if (repro.releaseSchema !== null)
      lines.push("    -- the release's schema", ...indent(repro.releaseSchema));
    if (repro.inserts) lines.push('    -- its rows', ...indent(repro.inserts));
    if (repro.currentSchema !== null) lines.push('    -- the current schema', ...indent(repro.currentSchema));
  }
  return lines;
}

function indent(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((l) => `    ${l}`);
}

function literal(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function count(n: number, noun: string): string {
  return `${number(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function number(n: number): string {
  return n.toLocaleString('en-US');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
