/**
 * What the worker suites share: calling the worker page (pages/worker-page.ts) from a test, and the
 * results it sends back. A page answers `{ ok: false, code }` for a failure, since page.evaluate keeps
 * only an Error's message; tests assert the code.
 */
import type { Page } from 'playwright-core';
import type { StartupReport } from '../../src/worker/index.ts';
import { callPage } from './harness.ts';
import type { OpenOptions } from './pages/worker-page.ts';

export type Result<T = unknown> =
  | { ok: true; value: T }
  | { ok: false; code: string; message: string; details?: unknown };

let counter = 0;
/** A database name no other test uses (pages of the shared context share IndexedDB). */
export const uniqueName = (prefix: string) => `${prefix}-${++counter}-${Date.now().toString(36)}`;

/** The value of a success; a failure throws with its code, message and details. */
export function value<T>(result: Result<T>): T {
  if (!result.ok)
    throw new Error(
      `expected success, got ${result.code}: ${result.message} ${JSON.stringify(result.details)}`,
    );
  return result.value;
}

/** The code of a failure, or 'no error'. */
export function codeOf(result: Result): string {
  return result.ok ? 'no error' : result.code;
}

/** Waits until the worker page has set up its functions. */
export async function pageReady(page: Page): Promise<Page> {
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  return page;
}

/** Opens a database in the page as `key`, and waits for it. */
export const openReady = async (page: Page, key: string, options: OpenOptions) =>
  value(await callPage<Result<StartupReport>>(page, 'openReady', key, options));

/** Calls a method of the Database opened as `key` (e.g. `query`, `snapshots.verify`). */
export const call = async <T = unknown>(page: Page, key: string, method: string, ...args: unknown[]) =>
  value(await callPage<Result<T>>(page, 'call', key, method, ...args));
