/**
 * The README's quick start, run as written: examples/quickstart (an app worker calling `serve({ schema })`
 * and a main file calling `openDatabase`, importing `molt` and `molt/worker` as an app does) served by
 * Vite in dev mode and as a production build, in Chromium. It also type-checks as written.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { build, preview } from 'vite';
import { expect, it } from 'vitest';
import { describeBrowser, REPO_ROOT } from './harness.ts';

const EXAMPLE = join(REPO_ROOT, 'examples/quickstart');

/** The notes the page lists, once it lists `count` of them. */
async function notesShown(page: Page, count: number): Promise<string[]> {
  await page.waitForFunction((n) => document.querySelectorAll('#notes li').length >= n, count);
  return page.locator('#notes li').allTextContents();
}

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

describeBrowser(
  'README quick start (examples/quickstart)',
  (browser) => {
    it('opens the database and shows its rows, which are still there after a reload (Vite dev)', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = collectErrors(page);
      await page.goto(`${browser.url}/index.html`);
      expect(await notesShown(page, 1)).toEqual([expect.stringMatching(/^opened at /)]);
      await page.reload();
      expect(await notesShown(page, 2)).toHaveLength(2);
      expect(errors).toEqual([]);
    });

    it('works the same from a production build (vite build, then vite preview)', async () => {
      const outDir = mkdtempSync(join(tmpdir(), 'molt-quickstart-'));
      try {
        await build({
          configFile: false,
          root: EXAMPLE,
          logLevel: 'warn',
          build: { outDir, emptyOutDir: true },
        });
        const server = await preview({
          configFile: false,
          root: EXAMPLE,
          logLevel: 'warn',
          build: { outDir },
          preview: { host: '127.0.0.1', port: 0, strictPort: false },
        });
        try {
          const page = await (await browser.newContext()).newPage();
          const errors = collectErrors(page);
          await page.goto(server.resolvedUrls?.local[0] ?? '');
          expect(await notesShown(page, 1)).toEqual([expect.stringMatching(/^opened at /)]);
          expect(errors).toEqual([]);
        } finally {
          await server.close();
        }
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    });

    it('type-checks as written, with `molt` and `molt/worker` resolved through the package exports', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'molt-quickstart-tsc-'));
      try {
        const config = join(dir, 'tsconfig.json');
        writeFileSync(
          config,
          JSON.stringify({
            extends: join(REPO_ROOT, 'tsconfig.json'),
            // An app's vite-env.d.ts (as Vite's templates have) gives the `?raw` import its type.
            compilerOptions: { types: [], lib: ['ES2023', 'DOM', 'DOM.Iterable'] },
            include: [EXAMPLE, join(REPO_ROOT, 'src/vite-env.d.ts')],
          }),
        );
        const tsc = join(REPO_ROOT, 'node_modules/.bin/tsc');
        await expect(
          promisify(execFile)(tsc, ['-p', config, '--noEmit'], { cwd: REPO_ROOT }),
        ).resolves.toBeDefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
  { root: EXAMPLE },
);
