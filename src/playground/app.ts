/**
 * The page's core: the current session, a queue that runs one action at a time (a plan typed while
 * an apply runs waits for it), the status line and the error banner. Every action goes through
 * `task`, so any failure ends up as a message on the page, never only in the console.
 */
import type { Plan, StartupReport } from '../client/index.ts';
import { describeError } from './describe-error.ts';
import { byId, h, show } from './dom.ts';
import type { SqlEditor } from './editor.ts';
import { type Session, type SessionOptions, startSession } from './session.ts';

export interface App {
  session: Session;
  current: SqlEditor;
  target: SqlEditor;
  /** Where the current database came from, in words ("the example app at v1"). */
  source: string;
  /** What happened to it since, if anything ("migrated to the target schema"). */
  change: string;
  /** Snapshots this tab made: a `schema-changed` for any other one came from another tab. */
  own: Set<string>;
  lastPlan: Plan | undefined;
  allowDataLoss(): boolean;
  /** Runs an action after the ones before it; `label` (if any) shows while it runs. */
  task(label: string, run: () => Promise<void>): Promise<void>;
  /** Stops the session and starts another (a restart is how a new schema gets applied). */
  restart(options?: SessionOptions): Promise<StartupReport>;
  say(text: string): void;
  showError(error: unknown): void;
  clearError(): void;
  /** Everything shown may be out of date: redraw the summary, the plan and the open tab. */
  refresh(): Promise<void>;
  /** Keeps the state in the URL and in localStorage. */
  remember(): void;
}

export interface AppParts {
  current: SqlEditor;
  target: SqlEditor;
  refresh: (app: App) => Promise<void>;
  remember: (app: App) => void;
  onForeignChange: (app: App) => Promise<void>;
}

/**
 * Creates the app with its first (browse) session.
 * @example
 * const app = createApp({ current, target, refresh, remember, onForeignChange });
 */
export function createApp(parts: AppParts): App {
  let queue: Promise<void> = Promise.resolve();
  let pending = 0;
  const status = byId('status');
  const banner = byId('banner');

  const app: App = {
    session: startSession(),
    current: parts.current,
    target: parts.target,
    source: '',
    change: '',
    own: new Set(),
    lastPlan: undefined,
    allowDataLoss: () => byId<HTMLInputElement>('allow-data-loss').checked,
    task(label, run) {
      pending++;
      document.body.dataset.busy = 'true';
      const next = queue.then(async () => {
        if (label) app.say(`${label}…`);
        try {
          await run();
          if (label && status.textContent === `${label}…`) app.say(`${label}: done.`);
        } catch (error) {
          app.showError(error);
          app.say(label ? `${label}: failed, see the message above.` : 'Failed: see the message above.');
        } finally {
          if (--pending === 0) document.body.dataset.busy = 'false';
        }
      });
      queue = next;
      return next;
    },
    async restart(options = {}) {
      await app.session.stop();
      app.session = startSession({ allowDataLoss: app.allowDataLoss(), ...options });
      listen(app, parts);
      return app.session.ready;
    },
    say: (text) => {
      status.textContent = text;
    },
    showError(error) {
      const message = describeError(error);
      banner.hidden = false;
      banner.dataset.code = message.code;
      show(
        banner,
        h(
          'div',
          null,
          h('strong', null, message.title),
          h('p', null, message.detail),
          h('p', { class: 'code' }, `code: ${message.code}`),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            'aria-label': 'Dismiss the message',
            onclick: () => app.clearError(),
          },
          '×',
        ),
      );
      // It is at the top of the page: bring it into view wherever the user was.
      banner.scrollIntoView({ block: 'nearest' });
    },
    clearError() {
      banner.hidden = true;
      banner.replaceChildren();
    },
    refresh: () => parts.refresh(app),
    remember: () => parts.remember(app),
  };
  listen(app, parts);
  return app;
}

function listen(app: App, parts: AppParts): void {
  const session = app.session;
  session.db.on('schema-changed', (message) => {
    // Our own worker broadcasts too; its snapshot id is known once the action that made it returns,
    // so decide after the queue has drained.
    void app.task('', async () => {
      if (app.session === session && !app.own.has(message.snapshotId)) await parts.onForeignChange(app);
    });
  });
}
