/**
 * The playground page: wires the editors, buttons and tabs to the actions, and opens the database
 * (the one kept in this browser, the one a link describes, or the example on a first visit).
 */
import { MoltError } from '../client/index.ts';
import { type App, createApp } from './app.ts';
import {
  buildFromSql,
  EXAMPLE_SOURCE,
  growExample,
  loadExample,
  openFile,
  renderSummary,
} from './current-database.ts';
import { extractSchema, listColumns, listTables } from './database-facts.ts';
import { byId } from './dom.ts';
import { createSqlEditor } from './editor.ts';
import { EXAMPLE_CURRENT } from './example.ts';
import { applyTarget, planTarget } from './migration.ts';
import { chooseTable, createPanelState, download, drawPanel, runQueryBox, verify } from './panels.ts';
import { fromLink, recall, remember } from './persist.ts';
import { setupTabs } from './tabs.ts';

/** How long typing must pause before the plan is made again. */
const PLAN_DELAY_MS = 600;

const panels = createPanelState();
let activePanel = 'panel-plan';
let planTimer: ReturnType<typeof setTimeout> | undefined;
let rememberTimer: ReturnType<typeof setTimeout> | undefined;

const later = (run: () => void) => {
  clearTimeout(rememberTimer);
  rememberTimer = setTimeout(run, 300);
};
const current = createSqlEditor(byId('current-editor'), {
  label: 'SQL that builds the current database',
  onChange: () => later(() => app.remember()),
});
const target = createSqlEditor(byId('target-editor'), {
  label: 'Target schema',
  onChange: () => {
    later(() => app.remember());
    clearTimeout(planTimer);
    planTimer = setTimeout(() => void plan(), PLAN_DELAY_MS);
  },
  onRun: () => void planAndShow(),
});
const query = createSqlEditor(byId('query-editor'), {
  label: 'Query',
  doc: 'SELECT * FROM todos WHERE done = 0;',
  onRun: () => void runQueryBox(app, panels, query),
});

const app: App = createApp({
  current,
  target,
  refresh: async (a) => {
    await renderSummary(a, byId('current-summary'));
    query.setSchema(await listColumns(a.session.db));
    await planTarget(a);
    await drawPanel(a, panels, activePanel);
    a.remember();
  },
  remember: (a) => void remember(a),
  onForeignChange: async (a) => {
    await a.restart();
    a.change = 'changed in another tab';
    await a.refresh();
    a.say('Another tab changed this database: this tab now shows its new state.');
  },
});

addEventListener('error', (event) => app.showError(event.error ?? event.message));
addEventListener('unhandledrejection', (event) => app.showError(event.reason));

function plan(): Promise<void> {
  clearTimeout(planTimer);
  return app.task('Planning', async () => {
    await planTarget(app);
    // Health compares with the target schema: keep it in step with the editor.
    if (activePanel === 'panel-health') await drawPanel(app, panels, activePanel);
  });
}

/** Plan on request (the button, Ctrl+Enter): the result is on the Plan tab, so show it. */
function planAndShow(): Promise<void> {
  selectPanel('panel-plan');
  return plan();
}

/** Runs an action that replaces the database, then redraws everything. */
function replace(label: string, run: () => Promise<void>): Promise<void> {
  return app.task(label, async () => {
    app.clearError();
    byId('apply-report').replaceChildren();
    byId('apply-progress').hidden = true;
    await run();
    await app.refresh();
  });
}

const selectPanel = setupTabs(byId('tabs'), (panel) => {
  activePanel = panel;
  void app.task('', () => drawPanel(app, panels, panel));
});

byId('plan').addEventListener('click', () => void planAndShow());
byId('apply').addEventListener('click', () =>
  app.task('Applying', async () => {
    app.clearError();
    selectPanel('panel-plan');
    await applyTarget(app);
    await app.refresh();
    // The Apply button is disabled now: keep the keyboard where the result is.
    byId('apply-report').querySelector<HTMLElement>('.callout')?.focus();
  }),
);
byId('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  target.focus();
});
byId('allow-data-loss').addEventListener('change', () =>
  app.task('Restarting the worker', async () => {
    await app.restart();
    await planTarget(app);
  }),
);
byId('load-example').addEventListener(
  'click',
  () => void replace('Loading the example', () => loadExample(app)),
);
byId('build-current').addEventListener('click', () =>
  replace('Building the database', () =>
    buildFromSql(
      app,
      current.get(),
      current.get() === EXAMPLE_CURRENT ? EXAMPLE_SOURCE : 'Built from your SQL',
    ),
  ),
);
byId('grow').addEventListener('click', () => void replace('Adding 100,000 todos', () => growExample(app)));
const upload = byId<HTMLInputElement>('upload');
upload.addEventListener('change', () => {
  const file = upload.files?.[0];
  upload.value = '';
  if (file) void replace(`Opening ${file.name}`, () => openFile(app, file));
});
const card = byId('current');
card.addEventListener('dragover', (event) => event.preventDefault());
card.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer?.files[0];
  if (file) void replace(`Opening ${file.name}`, () => openFile(app, file));
});
byId('table-select').addEventListener('change', (event) =>
  chooseTable(app, panels, (event.target as HTMLSelectElement).value),
);
byId('run-query').addEventListener('click', () => void runQueryBox(app, panels, query));
byId('download-current').addEventListener('click', () => void download(app));
byId('verify-all').addEventListener('click', () => void verify(app, panels));
byId('run-health').addEventListener('click', () =>
  app.task('Checking health', () => drawPanel(app, panels, 'panel-health')),
);
byId('share').addEventListener('click', () =>
  app.task('Copying the link', async () => {
    await remember(app);
    try {
      await navigator.clipboard.writeText(location.href);
      app.say('Link copied: it carries both schemas (not the rows of an opened file).');
    } catch {
      app.say('The link is the address in the location bar: copy it from there.');
    }
  }),
);

void app.task('Opening the database', async () => {
  const report = await app.session.ready;
  if (report.skipped.length) {
    const message = `${report.skipped.length} snapshot(s) failed verification; the newest one that verifies was opened.`;
    app.showError(new MoltError('corrupt-snapshot', message));
  }
  const stored = recall();
  const fresh = report.status === 'created';
  const link = await fromLink().catch((error: unknown) => {
    app.showError(error);
    return undefined;
  });
  if (link) {
    target.set(link.target);
    if (fresh || link.current !== stored?.current) {
      const source = link.current === EXAMPLE_CURRENT ? EXAMPLE_SOURCE : 'Built from the SQL in the link';
      await buildFromSql(app, link.current, source);
    } else {
      current.set(stored.current);
      app.source = stored.source;
      app.change = stored.change;
    }
  } else if (fresh || (!stored && (await listTables(app.session.db)).length === 0)) {
    // A first visit (or one whose first start was cut short): the example.
    await loadExample(app);
  } else if (stored) {
    current.set(stored.current);
    target.set(stored.target);
    app.source = stored.source;
    app.change = stored.change;
  } else {
    const schema = await extractSchema(app.session.db);
    current.set(schema);
    target.set(schema);
  }
  clearTimeout(planTimer);
  await app.refresh();
});
