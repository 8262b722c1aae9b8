/**
 * Helpers for the playground's end-to-end suite: the page served by Vite with the project's own
 * vite.config.ts (as `npm start` serves it), or built (as `npm run build:playground` makes it) and served by a
 * plain static server; and the few page interactions every test needs.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build, createServer } from 'vite';
import { expect } from 'vitest';
import { REPO_ROOT } from './harness.ts';

/** Screenshots and downloads of this suite: under test-results/, which git ignores. */
export const ARTIFACTS = join(REPO_ROOT, 'test-results/playground');

export interface Served {
  url: string;
  close(): Promise<void>;
}

/**
 * The playground from Vite's dev server, configured by vite.config.ts (root src/playground).
 * @example
 * const served = await servePlayground();
 */
export async function servePlayground(): Promise<Served> {
  const server = await createServer({
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: join(REPO_ROOT, 'node_modules/.vite/playground-test'),
    server: { port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report a TCP address');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => server.close() };
}

/**
 * Builds the playground as `npm run build:playground` does (into `outDir`) and serves the files with a plain
 * static server: no Vite at all between the page and the browser.
 * @example
 * const served = await serveBuiltPlayground(join(ARTIFACTS, 'site'));
 */
export async function serveBuiltPlayground(outDir: string): Promise<Served> {
  await build({
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return serveStatic(outDir);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** A static file server, the simplest thing that can serve a built site. */
export function serveStatic(dir: string): Promise<Served> {
  const root = resolve(dir);
  const server = createHttpServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) return void response.writeHead(403).end();
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const body = readFileSync(file);
      response
        .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
        .end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((ready) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      ready({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** A page and the problems it reported: page errors, console errors, CSP violations. */
export interface Opened {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

/**
 * Opens the playground in a fresh context (its own IndexedDB and localStorage, like a new visitor)
 * and waits until it has settled.
 * @example
 * const { page, problems } = await openPlayground(browser, served.url);
 */
export async function openPlayground(
  browser: Browser,
  url: string,
  options: { context?: BrowserContext; viewport?: { width: number; height: number }; dark?: boolean } = {},
): Promise<Opened> {
  const context =
    options.context ??
    (await browser.newContext({
      viewport: options.viewport ?? { width: 1400, height: 1000 },
      colorScheme: options.dark ? 'dark' : 'light',
      acceptDownloads: true,
    }));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' || /Content Security Policy/i.test(text)) problems.push(text);
  });
  await page.goto(url);
  await settle(page);
  return { page, context, problems };
}

/** Waits until no action runs (the page marks `data-busy` on its body). */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.busy === 'false', null, { timeout: 60_000 });
}

/**
 * Replaces an editor's text the way a user would: focus it, select all, type (as one insertion).
 * @example
 * await setEditor(page, '#target-editor', 'CREATE TABLE t (x);');
 */
export async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  await page.click(`${selector} .cm-content`);
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  // A person dismisses the completion list before moving on.
  await page.keyboard.press('Escape');
}

/** The state the page remembers (both schemas, where the database came from). */
export async function rememberedState(
  page: Page,
): Promise<{ current: string; target: string; source: string }> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('molt-playground:state') ?? '{}'));
}

/** Waits until the remembered target schema satisfies `test` (it is written shortly after typing). */
export async function waitForTarget(page: Page, includes: string): Promise<void> {
  await page.waitForFunction(
    (text) => (JSON.parse(localStorage.getItem('molt-playground:state') ?? '{}').target ?? '').includes(text),
    includes,
    { timeout: 10_000 },
  );
}

/** Clicks Plan and waits for the plan view to show the given state. */
export async function plan(page: Page, state: 'ready' | 'blocked' | 'empty' | 'invalid'): Promise<void> {
  await page.click('#plan');
  await settle(page);
  await page.waitForSelector(`#plan-view [data-plan="${state}"]`);
}

/** Clicks Apply and waits for the report. */
export async function apply(page: Page): Promise<void> {
  await page.click('#apply');
  await page.waitForSelector('#apply-report .report[data-status="migrated"]', { timeout: 60_000 });
  await settle(page);
}

/** Opens a tab and waits for it to be drawn. */
export async function openTab(
  page: Page,
  name: 'plan' | 'data' | 'snapshots' | 'history' | 'health',
): Promise<void> {
  await page.click(`#tab-${name}`);
  await settle(page);
}

/**
 * Saves a screenshot under test-results/playground/ (full page), to be looked at.
 * @example
 * await screenshot(page, 'example-plan');
 */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Fails with what the page reported, if it reported anything. */
export function expectNoProblems(problems: string[]): void {
  expect(problems.filter((p) => !/Failed to load resource.*favicon/i.test(p))).toEqual([]);
}
