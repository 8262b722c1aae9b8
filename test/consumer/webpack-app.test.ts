/**
 * The same app built by webpack 5 with its default configuration (entry src/index.js, output
 * dist/main.js, production mode): examples/webpack, molt installed from its packed tarball. webpack finds
 * molt's worker and sql.js's wasm by itself; the built app runs in Chromium from a plain static server.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium, launchChromium, REPO_ROOT } from '../browser/harness.ts';
import { serveStatic } from '../browser/playground-helpers.ts';
import { ARTIFACTS, type ConsumerProject, collectErrors, createProject, notesShown } from './helpers.ts';

const EXAMPLE = join(REPO_ROOT, 'examples/webpack');

/** webpack's default configuration, through its Node API (no webpack-cli to install). */
const BUILD = `import webpack from 'webpack';

webpack({ mode: 'production' }, (error, stats) => {
  if (error || stats.hasErrors()) {
    console.error(error ?? stats.toString('errors-only'));
    process.exit(1);
  }
});
`;

let project: ConsumerProject;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  project = await createProject('webpack', {
    copy: [EXAMPLE],
    files: {
      'package.json': `${JSON.stringify({ name: 'notes', private: true, type: 'module' }, null, 2)}\n`,
      'build.mjs': BUILD,
    },
    install: ['webpack@5'],
  });
});
afterAll(() => project?.remove());

it('builds with webpack 5 and its default configuration: main, a worker chunk and the wasm', async () => {
  await project.run('node', ['build.mjs']);
  const dist = join(project.dir, 'dist');
  const files = readdirSync(dist);
  expect(files).toContain('main.js');
  expect(files.some((f) => f.endsWith('.wasm'))).toBe(true);
  const sizes = Object.fromEntries(
    files
      .filter((f) => /\.(js|wasm)$/.test(f))
      .map((f) => {
        const bytes = readFileSync(join(dist, f));
        return [f, { bytes: bytes.length, gzip: gzipSync(bytes).length }];
      }),
  );
  writeFileSync(join(ARTIFACTS, 'webpack-bundle.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  expect(readFileSync(join(dist, 'main.js'), 'utf8')).not.toMatch(/initSqlJs/);
  copyFileSync(join(project.dir, 'index.html'), join(dist, 'index.html'));
});

describeWithChromium('the webpack app in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('shows its note from a static server, and keeps it across a reload', async () => {
    const served = await serveStatic(join(project.dir, 'dist'));
    try {
      const page = await (await browser.newContext()).newPage();
      const errors = collectErrors(page);
      await page.goto(served.url);
      expect(await notesShown(page, 1)).toEqual([expect.stringMatching(/^opened at /)]);
      await page.reload();
      expect(await notesShown(page, 2)).toHaveLength(2);
      await page.screenshot({ path: join(ARTIFACTS, 'webpack.png') });
      expect(errors).toEqual([]);
    } finally {
      await served.close();
    }
  });
});
