/**
 * The harness every real-browser suite shares. Suites run in Node (Vitest's `browser` project) and drive
 * the system Chromium through playwright-core; pages are served by a Vite dev server started in-process,
 * so a page can import any module of the repository (relatively, which also type-checks, or as
 * `/src/...`) and bare packages. `sql.js/dist/sql-wasm-browser.wasm?url` gives sql.js its wasm.
 *
 * ```ts
 * describeBrowser('snapshots', (browser) => {
 *   it('saves', async () => {
 *     const page = await browser.openPage('/storage.html');   // a file under test/browser/pages
 *     expect(await callPage(page, 'saveOnce', 3)).toBe(3);    // calls window.saveOnce(3) in the page
 *   });
 * });
 * ```
 *
 * - Chromium is `/usr/bin/chromium` (Debian's package; `npx playwright install` cannot download here),
 *   or `$CHROMIUM_PATH`. When it is missing the suite is skipped with a loud warning, except under
 *   `CI=true`, where a missing browser fails the run: CI must never pass by testing nothing.
 * - `openPage` opens a tab in one shared, throwaway context: pages of the same origin share IndexedDB,
 *   Web Locks and BroadcastChannel, as tabs do. `newContext()` gives a fresh origin storage.
 * - `openPersistent()` launches a browser on a user-data directory; `reopen()` closes that browser and
 *   starts a new one on the same directory, which is what "the data survives a restart" means.
 * - `callPage(page, name, ...args)` runs `window[name](...args)` in the page and returns its result;
 *   arguments and results must survive structured cloning (plain data, not functions).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, it } from 'vitest';

/** The repository root; pages may import anything below it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where Chromium lives: Debian's package unless `CHROMIUM_PATH` says otherwise. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, reproducible headless Chromium inside a container. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** True when the Chromium binary exists. */
export const browserAvailable = existsSync(CHROMIUM_PATH);

/** A running Vite dev server. */
export interface PageServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:5174`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a Vite dev server on a free port, serving `root` and allowing imports from the whole repository.
 * @example
 * const server = await startPageServer(join(REPO_ROOT, 'bench/pages'));
 * await page.goto(`${server.url}/snapshots.html`);
 */
export async function startPageServer(root = join(REPO_ROOT, 'test/browser/pages')): Promise<PageServer> {
  const server: ViteDevServer = await createServer({
    configFile: false,
    root,
    logLevel: 'warn',
    clearScreen: false,
    // One cache per served folder: two servers optimising into one folder at once can corrupt it.
    cacheDir: join(REPO_ROOT, 'node_modules/.vite', `browser-harness-${basename(root)}`),
    // Pre-bundle the CommonJS and bare-import dependencies up front: discovering them on first load
    // makes Vite reload the page mid-test.
    optimizeDeps: {
      include: ['sql.js', 'idb-keyval', 'comlink', '@noble/hashes/sha2.js', '@noble/hashes/utils.js'],
    },
    // `/src/...` means the repository's src folder, whatever folder the server serves.
    resolve: { alias: [{ find: /^\/src\//, replacement: `${join(REPO_ROOT, 'src')}/` }] },
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      hmr: false,
      fs: { allow: [REPO_ROOT] },
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report a TCP address');
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

/**
 * Launches the system Chromium headless with the harness flags (plus `extraArgs`).
 * @example
 * const browser = await launchChromium();
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    headless: true,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * Runs `window[name](...args)` in the page and returns the (structured-cloned) result.
 * @example
 * const ids = await callPage<string[]>(page, 'listIds');
 */
export function callPage<T = unknown>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    async ([fn, params]) => {
      const target = (globalThis as unknown as Record<string, unknown>)[fn as string];
      if (typeof target !== 'function') throw new Error(`window.${String(fn)} is not a function`);
      return (await target(...(params as unknown[]))) as unknown;
    },
    [name, args] as const,
  ) as Promise<T>;
}

/** A browser kept on a user-data directory, so IndexedDB survives closing and relaunching it. */
export interface PersistentBrowser {
  context: BrowserContext;
  /** Opens a page of the harness origin in this browser. */
  openPage(path: string): Promise<Page>;
  /** Closes the browser (flushing its storage) and starts a new one on the same directory. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/** What `describeBrowser` hands to its suite; valid inside tests and hooks. */
export interface BrowserFixture {
  /** Base URL of the page server. */
  readonly url: string;
  readonly browser: Browser;
  /** Opens `path` (e.g. `/storage.html`) in a new tab of the shared context, or of `context`. */
  openPage(path: string, context?: BrowserContext): Promise<Page>;
  /** A fresh context: its own IndexedDB, locks and channels. Closed with the suite. */
  newContext(): Promise<BrowserContext>;
  /** A browser on its own user-data directory, for durability across restarts. */
  openPersistent(extraArgs?: string[]): Promise<PersistentBrowser>;
}

/** Options of `describeBrowser`. */
export interface DescribeBrowserOptions {
  /** Directory the page server serves; defaults to test/browser/pages. */
  root?: string;
  /** Extra Chromium flags for the shared browser. */
  args?: string[];
}

/**
 * A `describe` block with a page server and a Chromium shared by its tests. Skips loudly when Chromium
 * is missing; fails under `CI=true`.
 * @example
 * describeBrowser('locks', (b) => {
 *   it('two tabs', async () => { const [a, c] = [await b.openPage('/x.html'), await b.openPage('/x.html')]; });
 * });
 */
export function describeBrowser(
  name: string,
  fn: (fixture: BrowserFixture) => void,
  options: DescribeBrowserOptions = {},
): void {
  if (!browserAvailable) {
    describeUnavailable(name, () => fn(unavailableFixture()));
    return;
  }
  describe(name, () => {
    const state = createFixtureState(options);
    beforeAll(state.start);
    afterAll(state.stop);
    fn(state.fixture);
  });
}

/**
 * A `describe` block for suites that launch Chromium themselves (`launchChromium`) and serve their own
 * pages: skipped loudly when Chromium is missing, failing under `CI=true`, like `describeBrowser`.
 * @example
 * describeWithChromium('a built app', () => { it('runs', async () => { const browser = await launchChromium(); }); });
 */
export function describeWithChromium(name: string, fn: () => void): void {
  if (!browserAvailable) describeUnavailable(name, fn);
  else describe(name, fn);
}

/** Without Chromium: a failing test under `CI=true`, else a loud warning and a skipped suite. */
function describeUnavailable(name: string, fn: () => void): void {
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium under CI', () => {
        throw new Error(`Chromium not found at ${CHROMIUM_PATH}; browser suites are required when CI=true`);
      });
    });
    return;
  }
  warnLoudly(name);
  describe.skip(name, fn);
}

function createFixtureState(options: DescribeBrowserOptions) {
  let server: PageServer | undefined;
  let browser: Browser | undefined;
  let shared: BrowserContext | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser fixture is only usable inside tests and hooks');
    return value;
  };
  const fixture: BrowserFixture = {
    get url() {
      return need(server).url;
    },
    get browser() {
      return need(browser);
    },
    async openPage(path, context) {
      shared ??= await need(browser).newContext();
      return openPageIn(context ?? shared, need(server).url + path);
    },
    async newContext() {
      const context = await need(browser).newContext();
      cleanups.push(() => context.close());
      return context;
    },
    async openPersistent(extraArgs = []) {
      const persistent = await launchPersistent(need(server).url, [...(options.args ?? []), ...extraArgs]);
      cleanups.push(persistent.close);
      return persistent;
    },
  };
  return {
    fixture,
    async start() {
      server = await startPageServer(options.root);
      browser = await launchChromium(options.args);
    },
    async stop() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
      await shared?.close().catch(() => undefined);
      await browser?.close().catch(() => undefined);
      await server?.close();
    },
  };
}

async function openPageIn(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  // Surface page errors in the test output: an uncaught error in a page is otherwise silent.
  page.on('pageerror', (error) => console.error(`[page error] ${url}: ${error.message}`));
  await page.goto(url);
  return page;
}

async function launchPersistent(baseUrl: string, extraArgs: string[]): Promise<PersistentBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'molt-chromium-'));
  const launch = () =>
    chromium.launchPersistentContext(userDataDir, {
      headless: true,
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, ...extraArgs],
    });
  const persistent: PersistentBrowser = {
    context: await launch(),
    openPage: (path) => openPageIn(persistent.context, baseUrl + path),
    async reopen() {
      await persistent.context.close();
      persistent.context = await launch();
    },
    async close() {
      await persistent.context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return persistent;
}

function unavailableFixture(): BrowserFixture {
  const fail = (): never => {
    throw new Error('Chromium is not available');
  };
  return {
    url: '',
    get browser(): Browser {
      return fail();
    },
    openPage: fail,
    newContext: fail,
    openPersistent: fail,
  };
}

function warnLoudly(name: string): void {
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! SKIPPED browser suite "${name}": no Chromium at ${CHROMIUM_PATH}.\n` +
      `!! Install Debian's chromium package (or set CHROMIUM_PATH). Under CI=true this fails.\n${line}\n`,
  );
}
