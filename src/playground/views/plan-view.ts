/**
 * The plan at a glance: a summary line, then each step with its risk badge, reason and SQL, the
 * blockers with their exact counts (and a one-click fix for a rename hint), and the warnings.
 */
import type { Blocker, Plan, Step } from '../../client/index.ts';
import { h } from '../dom.ts';
import { plural } from '../format.ts';

export interface PlanViewHandlers {
  /** Writes a blocker's rename hint into the target schema and plans again. */
  onAddHint(blocker: Blocker): void;
}

/** Steps whose object is a column: shown as table.column. */
const COLUMN_KINDS = new Set<Step['kind']>(['rename-column', 'add-column', 'drop-column', 'alter-column']);

type Badge = 'safe' | 'rebuild' | 'data-loss' | 'blocked';

const BADGE_TEXT: Record<Badge, string> = {
  safe: '✓ safe',
  rebuild: '↻ rebuild',
  'data-loss': '⚠ data loss',
  blocked: '✕ blocked',
};

/**
 * Renders a plan.
 * @example
 * show(byId('plan-view'), renderPlan(plan, { onAddHint }));
 */
export function renderPlan(plan: Plan, handlers: PlanViewHandlers): HTMLElement {
  if (plan.steps.length === 0 && plan.blockers.length === 0) {
    return h(
      'div',
      { class: 'plan', 'data-plan': 'empty' },
      h('p', { class: 'callout ok' }, '✓ The database already has this schema: there is nothing to do.'),
      renderWarnings(plan),
    );
  }
  const badges = plan.steps.map((step) => badgeOf(step, plan.blockers));
  return h(
    'div',
    { class: 'plan', 'data-plan': plan.blockers.length ? 'blocked' : 'ready' },
    renderSummary(plan, badges),
    plan.blockers.length ? renderBlockers(plan.blockers, handlers) : null,
    h('h3', null, 'Steps'),
    h(
      'ol',
      { class: 'steps' },
      plan.steps.map((step, i) => renderStep(step, badges[i]!)),
    ),
    renderWarnings(plan),
  );
}

/**
 * A step is shown blocked when a blocker concerns what it changes: its column, its table (or a
 * column of it, for table-wide steps), or the new name a possible-rename hint proposes.
 */
function badgeOf(step: Step, blockers: Blocker[]): Badge {
  const column = COLUMN_KINDS.has(step.kind) ? `${step.table}.${step.object}` : undefined;
  const concerns = (b: Blocker) => {
    if (column)
      return b.object === column || (b.object.startsWith(`${step.table}.`) && proposes(b, step.object));
    if (step.table && step.table !== step.object) return b.object === step.object;
    return b.object === step.object || b.object.startsWith(`${step.object}.`) || proposes(b, step.object);
  };
  return blockers.some(concerns) ? 'blocked' : step.risk;
}

/** True when a possible-rename blocker's hint names `name` as the new name. */
function proposes(blocker: Blocker, name: string): boolean {
  const hint = blocker.kind === 'possible-rename' ? (blocker.hint ?? '') : '';
  return hint.startsWith(`${name} `) || hint.startsWith(`CREATE TABLE ${name} (`);
}

function renderSummary(plan: Plan, badges: Badge[]): HTMLElement {
  const count = (badge: Badge) => badges.filter((b) => b === badge).length;
  const chips = (['safe', 'rebuild', 'data-loss', 'blocked'] as const)
    .filter((badge) => count(badge) > 0)
    .map((badge) => h('span', { class: `badge ${badge}` }, `${count(badge)} ${BADGE_TEXT[badge].slice(2)}`));
  const headline = plan.blockers.length
    ? h(
        'p',
        { class: 'callout blocked', role: 'alert' },
        h('strong', null, 'Blocked. '),
        `${plural(plan.blockers.length, 'problem')} must be resolved before this plan can apply. Nothing has been changed.`,
      )
    : h(
        'p',
        { class: 'callout ready' },
        `${plural(plan.steps.length, 'step')}, ready to apply in one transaction, after a pre-migrate snapshot.`,
      );
  return h('div', { class: 'summary' }, headline, h('p', { class: 'chips' }, chips));
}

function renderStep(step: Step, badge: Badge): HTMLElement {
  const sql = step.statements.map((s) => `${s.sql.trim()};`).join('\n');
  return h(
    'li',
    { class: `step ${badge}`, 'data-kind': step.kind, 'data-object': step.object },
    h(
      'div',
      { class: 'step-head' },
      h('span', { class: `badge ${badge}` }, BADGE_TEXT[badge]),
      h('code', { class: 'kind' }, step.kind),
      h(
        'strong',
        { class: 'object' },
        COLUMN_KINDS.has(step.kind) ? `${step.table}.${step.object}` : step.object,
      ),
      step.table && step.table !== step.object && !COLUMN_KINDS.has(step.kind)
        ? h('span', { class: 'muted' }, `on ${step.table}`)
        : null,
      step.from ? h('span', { class: 'muted' }, `(was ${step.from})`) : null,
    ),
    h('p', { class: 'reason' }, step.reason),
    step.statements.length === 1
      ? h('pre', { class: 'sql' }, h('code', null, sql))
      : h(
          'details',
          { class: 'sql', open: true },
          h('summary', null, plural(step.statements.length, 'statement')),
          h('pre', null, h('code', null, sql)),
        ),
  );
}

function renderBlockers(blockers: Blocker[], handlers: PlanViewHandlers): HTMLElement {
  return h(
    'section',
    { class: 'blockers', 'aria-label': 'Blockers' },
    h('h3', null, 'Blockers'),
    h(
      'ul',
      null,
      blockers.map((b) =>
        h(
          'li',
          { class: 'blocker', 'data-kind': b.kind, 'data-object': b.object },
          h(
            'div',
            { class: 'step-head' },
            h('span', { class: 'badge blocked' }, BADGE_TEXT.blocked),
            h('code', { class: 'kind' }, b.kind),
            h('strong', { class: 'object' }, b.object),
            h('span', { class: 'count', 'data-count': b.count }, plural(b.count, unitOf(b))),
          ),
          h('p', null, b.message),
          b.rows?.length
            ? h(
                'p',
                { class: 'muted' },
                `${b.rows.length < b.count ? 'Some of the rows' : 'The rows'}: ${sortKeys(b.rows).join(', ')}.`,
              )
            : null,
          renderHint(b, handlers),
        ),
      ),
    ),
  );
}

/** Dropped columns count their values; everything else counts rows. */
function unitOf(blocker: Blocker): string {
  const column =
    (blocker.kind === 'data-loss' || blocker.kind === 'possible-rename') && blocker.object.includes('.');
  return column ? 'value' : 'row';
}

function renderHint(blocker: Blocker, handlers: PlanViewHandlers): HTMLElement | null {
  if (!blocker.hint) return null;
  if (blocker.kind !== 'possible-rename') return h('p', { class: 'hint' }, `Hint: ${blocker.hint}`);
  return h(
    'div',
    { class: 'hint' },
    h('p', null, 'If this is a rename, say so in the target schema:'),
    h('pre', null, h('code', null, blocker.hint)),
    h(
      'button',
      { type: 'button', class: 'add-hint', onclick: () => handlers.onAddHint(blocker) },
      'Add this rename hint',
    ),
  );
}

function renderWarnings(plan: Plan): HTMLElement | null {
  if (plan.warnings.length === 0) return null;
  return h(
    'section',
    { class: 'warnings', 'aria-label': 'Warnings' },
    h('h3', null, 'Warnings'),
    h(
      'ul',
      null,
      plan.warnings.map((w) =>
        h('li', { 'data-kind': w.kind }, h('code', { class: 'kind' }, w.kind), ' ', w.message),
      ),
    ),
  );
}

/** Row keys (rowids, or primary key values) in ascending order, numbers as numbers. */
function sortKeys(keys: unknown[]): string[] {
  const numeric = keys.every((k) => typeof k === 'number' || typeof k === 'bigint');
  const sorted = numeric ? [...keys].sort((a, b) => Number(a) - Number(b)) : [...keys].map(String).sort();
  return sorted.map((k) => (k === null ? 'NULL' : String(k)));
}
