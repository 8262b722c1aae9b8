/**
 * Applying, as the user sees it: a progress bar fed by the worker's progress events (the startup
 * phases, and each step of the plan with its fraction), then the report: what ran, how long each
 * part took, the rows copied by rebuilds and the snapshots taken.
 */
import type { ProgressEvent, StartupReport } from '../../client/index.ts';
import { h } from '../dom.ts';
import { formatMs, plural, short } from '../format.ts';

/** Where each startup phase puts the bar; the plan's steps fill the stretch from `migrate` to `checks`. */
const PHASE_PERCENT: Record<string, number> = {
  lock: 4,
  load: 8,
  check: 14,
  'pre-migrate-snapshot': 20,
  migrate: 26,
  migration: 26,
  checks: 88,
  save: 92,
  broadcast: 97,
  done: 100,
};

/**
 * The bar's position for a progress event.
 * @example
 * bar.value = progressPercent({ phase: 'schema', message: '', fraction: 0.5 }); // 57
 */
export function progressPercent(event: ProgressEvent): number {
  if (event.phase === 'schema') return Math.round(26 + 62 * (event.fraction ?? 0));
  return PHASE_PERCENT[event.phase] ?? 0;
}

/** What a progress event says, for the label next to the bar. */
export function progressLabel(event: ProgressEvent): string {
  switch (event.phase) {
    case 'lock':
      return 'Taking the database lock';
    case 'load':
      return 'Loading and verifying the head snapshot';
    case 'check':
      return 'Planning';
    case 'pre-migrate-snapshot':
      return 'Taking the pre-migrate snapshot';
    case 'migrate':
      return 'Starting the transaction';
    case 'schema':
    case 'migration':
      return `Running ${event.message}`;
    case 'checks':
      return 'Checking foreign keys and the resulting schema';
    case 'save':
      return 'Saving the new head snapshot';
    case 'broadcast':
      return 'Telling other tabs';
    case 'done':
      return 'Done';
  }
}

/**
 * The report of an apply (a startup migration).
 * @example
 * show(byId('apply-report'), renderApplyReport(await session.ready));
 */
export function renderApplyReport(report: StartupReport): HTMLElement {
  const steps = report.migration?.schemaSteps ?? [];
  if (report.status !== 'migrated') {
    return h(
      'div',
      { class: 'report', 'data-status': report.status },
      h(
        'p',
        { class: 'callout ok', tabindex: -1 },
        '✓ Nothing to apply: the database already had the target schema.',
      ),
    );
  }
  const rowsCopied = steps.reduce((sum, s) => sum + (s.rowsCopied ?? 0), 0);
  const t = report.timings;
  return h(
    'div',
    { class: 'report', 'data-status': report.status },
    h(
      'p',
      { class: 'callout ok', role: 'status', tabindex: -1 },
      h('strong', null, `✓ Applied in ${formatMs(t.totalMs)}. `),
      `${plural(steps.length, 'step')} in one transaction, ${plural(rowsCopied, 'row')} copied by rebuilds.`,
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Snapshot before'),
      h(
        'dd',
        null,
        report.preMigrateSnapshot ? snapshotName(report.preMigrateSnapshot, 'pre-migrate') : 'none',
      ),
      h('dt', null, 'Saved as'),
      h('dd', null, report.saved ? snapshotName(report.saved.id, 'new head') : 'not saved'),
      h('dt', null, 'Timings'),
      h(
        'dd',
        null,
        `lock ${formatMs(t.lockMs)} · load ${formatMs(t.loadMs)} · migrate ${formatMs(t.migrateMs)} · save ${formatMs(t.saveMs)}`,
      ),
    ),
    h(
      'div',
      { class: 'grid-wrap', role: 'region', 'aria-label': 'Steps as they ran', tabindex: 0 },
      h(
        'table',
        { class: 'grid' },
        h('caption', null, 'Steps as they ran'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'Step'),
            h('th', null, 'Object'),
            h('th', { class: 'num' }, 'Time'),
            h('th', { class: 'num' }, 'Rows'),
          ),
        ),
        h(
          'tbody',
          null,
          steps.map((s) =>
            h(
              'tr',
              null,
              h('td', null, h('code', null, s.kind)),
              h(
                'td',
                { class: 'object' },
                s.table && s.kind.endsWith('-column') ? `${s.table}.${s.object}` : s.object,
              ),
              h('td', { class: 'num' }, formatMs(s.durationMs)),
              h('td', { class: 'num' }, s.rowsCopied === undefined ? '' : s.rowsCopied.toLocaleString()),
            ),
          ),
        ),
      ),
    ),
  );
}

function snapshotName(id: string, what: string): HTMLElement {
  return h('span', null, h('code', { title: id }, short(id, 15)), ` (${what})`);
}
