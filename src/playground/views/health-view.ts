/** The health report: the score, and every check behind it with the points it cost. */
import type { HealthReport } from '../../client/index.ts';
import { h } from '../dom.ts';

const ICON = { pass: '✓', warn: '!', fail: '✗', skip: '–' } as const;

/** What each check is called on the page. */
const LABEL: Record<string, string> = {
  integrity: 'File integrity',
  foreignKeys: 'Foreign keys',
  ledger: 'Migration history',
  drift: 'Target schema',
  pending: 'Pending migrations',
  snapshot: 'Snapshots',
  storage: 'Storage',
};

/**
 * Renders a health report.
 * @example
 * show(el, renderHealth(await db.health()));
 */
export function renderHealth(report: HealthReport): HTMLElement {
  const level = report.score >= 90 ? 'good' : report.score >= 60 ? 'fair' : 'poor';
  return h(
    'div',
    { class: 'health' },
    h(
      'div',
      { class: `score ${level}`, 'data-score': report.score },
      h('span', { class: 'score-number' }, String(report.score)),
      h('span', { class: 'score-label' }, report.healthy ? 'of 100 · healthy' : 'of 100 · needs attention'),
    ),
    h(
      'p',
      { class: 'muted' },
      'The score is 100 minus the points each failing or warning check costs. The database is compared with the target schema in the editor.',
    ),
    h(
      'ul',
      { class: 'checks' },
      report.checks.map((c) =>
        h(
          'li',
          { class: `check ${c.status}`, 'data-check': c.name, 'data-status': c.status },
          h('span', { class: 'check-icon', 'aria-hidden': 'true' }, ICON[c.status]),
          h('strong', null, LABEL[c.name] ?? c.name),
          h('span', { class: 'visually-hidden' }, ` ${c.status}`),
          h('span', { class: 'check-message' }, c.message),
          h('span', { class: 'penalty' }, c.penalty ? `−${c.penalty}` : '0'),
        ),
      ),
    ),
  );
}
