/**
 * Plan and apply. Planning asks the open database for a plan to the typed schema (`db.plan(schema)`);
 * applying restarts the worker with that schema, so the startup migration does the work exactly as it
 * would for an app's release: lock, pre-migrate snapshot, one transaction, checks, save.
 */
import { type Blocker, isMoltError, type MigrateReport, type Plan } from '../client/index.ts';
import type { App } from './app.ts';
import { describeError } from './describe-error.ts';
import { byId, h, show } from './dom.ts';
import { addRenameHint } from './rename-hint.ts';
import { progressLabel, progressPercent, renderApplyReport } from './views/apply-view.ts';
import { renderPlan } from './views/plan-view.ts';

/**
 * Plans the target schema against the current database and shows the plan. A schema that does not
 * parse is shown in place of the plan, as the answer to "what would this do?".
 * @example
 * await planTarget(app);
 */
export async function planTarget(app: App): Promise<void> {
  const view = byId('plan-view');
  try {
    showPlan(app, await app.session.db.plan(app.target.get()));
  } catch (error) {
    if (!isMoltError(error, 'schema-invalid')) throw error;
    app.lastPlan = undefined;
    const { statement, sqliteMessage } = error.details as { statement?: string; sqliteMessage?: string };
    show(
      view,
      h(
        'div',
        { class: 'callout blocked', role: 'alert', 'data-plan': 'invalid' },
        h('strong', null, describeError(error).title),
        h('p', null, sqliteMessage ? `SQLite says: ${sqliteMessage}, in this statement:` : error.message),
        statement ? h('pre', null, h('code', null, statement)) : null,
        h('p', { class: 'muted' }, 'Fix it in the target schema: the plan is made again as you type.'),
      ),
    );
    updateApply(app);
  }
}

function showPlan(app: App, plan: Plan): void {
  app.lastPlan = plan;
  show(byId('plan-view'), renderPlan(plan, { onAddHint: (blocker) => void addHint(app, blocker) }));
  updateApply(app);
}

/** Apply is offered only for a plan that has steps and no blockers. */
export function updateApply(app: App): void {
  const plan = app.lastPlan;
  const apply = byId<HTMLButtonElement>('apply');
  apply.disabled = !plan || plan.steps.length === 0 || plan.blockers.length > 0;
  apply.title = !plan
    ? 'Plan a valid schema first'
    : plan.blockers.length
      ? 'The plan is blocked: resolve its blockers first'
      : plan.steps.length === 0
        ? 'Nothing to apply'
        : 'Apply the plan (a snapshot is taken first)';
}

/** Writes a blocker's rename hint into the target schema and plans again. */
export function addHint(app: App, blocker: Blocker): Promise<void> {
  return app.task('Adding the rename hint', async () => {
    const next = addRenameHint(app.target.get(), blocker);
    if (next === undefined) {
      throw new Error(`Could not find where to put the hint. Add it by hand: ${blocker.hint}`);
    }
    app.target.set(next);
    await planTarget(app);
  });
}

/**
 * Applies the target schema: the current worker is stopped, and a new one opens the database with
 * the target as its declared schema. Progress events move the bar; the startup report is the report.
 * @example
 * await applyTarget(app);
 */
export async function applyTarget(app: App): Promise<void> {
  const schema = app.target.get();
  const bar = byId<HTMLProgressElement>('progress');
  const label = byId('progress-label');
  byId('apply-progress').hidden = false;
  bar.value = 0;
  label.textContent = 'Starting';
  byId('apply-report').replaceChildren();
  try {
    const report = await app.restart({
      schema,
      onProgress: (event) => {
        bar.value = Math.max(bar.value, progressPercent(event));
        label.textContent = progressLabel(event);
      },
    });
    for (const id of [report.preMigrateSnapshot, report.saved?.id]) if (id) app.own.add(id);
    if (report.status === 'migrated') app.change = 'migrated to the target schema';
    bar.value = 100;
    label.textContent = report.status === 'migrated' ? 'Applied' : 'Nothing to apply';
    show(byId('apply-report'), renderApplyReport(report));
  } catch (error) {
    label.textContent = 'Not applied: the database is unchanged';
    // Whatever stopped the migration (blockers, a lock held by another tab), the database in
    // IndexedDB is as it was: look at it again through a plain session.
    await app.restart().catch(() => undefined);
    const plan = isMoltError(error) ? (error.details.report as MigrateReport | undefined)?.plan : undefined;
    if (plan) showPlan(app, plan);
    throw error;
  }
}
