/**
 * The README's quick start in an app made with `npm create vite` (vanilla-ts): the template's
 * package.json and tsconfig.json (test/consumer/vite-template, as create-vite 9.3 writes them), the
 * files of examples/quickstart, and molt installed from its packed tarball. It type-checks (the
 * template's settings, then stricter ones with `skipLibCheck: false`, under TypeScript 7 and 5.9), builds,
 * and runs in Chromium from `vite preview` and from `vite` (the dev server, which must not reload the
 * page while the worker starts).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithChromium, launchChromium, REPO_ROOT } from '../browser/harness.ts';
import { ARTIFACTS, type ConsumerProject, collectErrors, createProject, notesShown } from './helpers.ts';

const TEMPLATE = join(REPO_ROOT, 'test/consumer/vite-template');
const EXAMPLE = join(REPO_ROOT, 'examples/quickstart');

/** What apps with strict settings add to the template: every check on, and molt's .d.ts checked too. */
const STRICT = {
  extends: './tsconfig.json',
  compilerOptions: {
    strict: true,
    skipLibCheck: false,
    noUncheckedSideEffectImports: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
  },
};

let project: ConsumerProject;
let build: Promise<unknown> | undefined;
/** `vite build`, once for the file: the build test checks it, the preview test serves it. */
const built = () => {
  build ??= project.run('vite', ['build']);
  return build;
};
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  project = await createProject('vite', {
    copy: [TEMPLATE, EXAMPLE],
    files: { 'tsconfig.strict.json': JSON.stringify(STRICT, null, 2) },
    // TypeScript 5.9 beside the template's TypeScript 7, under another name.
    install: ['typescript-5.9@npm:typescript@~5.9.0'],
  });
});
afterAll(() => project?.remove());

describe('the quick start in a create-vite vanilla-ts app, from the tarball', () => {
  it("type-checks with the template's settings (tsc, as the template's `npm run build` runs it)", async () => {
    await expect(project.run('tsc', [])).resolves.toBeDefined();
  });

  it('type-checks under strict settings with skipLibCheck false, with TypeScript 7 and 5.9', async () => {
    const versions = await Promise.all([
      project.run('tsc', ['--version']),
      project.run('node', ['node_modules/typescript-5.9/bin/tsc', '--version']),
    ]);
    expect(versions.map((v) => v.stdout.trim())).toEqual([
      expect.stringMatching(/^Version 7\./),
      expect.stringMatching(/^Version 5\.9\./),
    ]);
    await expect(project.run('tsc', ['-p', 'tsconfig.strict.json'])).resolves.toBeDefined();
    await expect(
      project.run('node', ['node_modules/typescript-5.9/bin/tsc', '-p', 'tsconfig.strict.json']),
    ).resolves.toBeDefined();
  });

  it('builds with vite build: the main chunk holds no SQLite, the wasm is emitted as its own file', async () => {
    await built();
    const assets = join(project.dir, 'dist/assets');
    const sizes = readdirSync(assets).map((file) => {
      const bytes = readFileSync(join(assets, file));
      return { file, bytes: bytes.length, gzip: gzipSync(bytes).length };
    });
    const find = (pattern: RegExp) => sizes.find((s) => pattern.test(s.file));
    const main = find(/^index-.*\.js$/);
    const worker = find(/^db\.worker-.*\.js$/);
    const wasm = find(/\.wasm$/);
    expect([main, worker, wasm].every(Boolean)).toBe(true);
    expect(readFileSync(join(assets, main!.file), 'utf8')).not.toMatch(/sql-wasm|initSqlJs/);
    writeFileSync(
      join(ARTIFACTS, 'vite-bundle.json'),
      `${JSON.stringify({ main, worker, wasm }, null, 2)}\n`,
    );
    expect(statSync(join(project.dir, 'dist/index.html')).isFile()).toBe(true);
  });
});

describeWithChromium('the quick start in a create-vite vanilla-ts app, in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('shows its note from the built app (vite preview), and keeps it across a reload', async () => {
    await built();
    const preview = await project.start(
      'vite',
      ['preview', '--host', '127.0.0.1', '--port', '0', '--strictPort'],
      /(http:\/\/127\.0\.0\.1:\d+\/)/,
    );
    try {
      const page = await (await browser.newContext()).newPage();
      const errors = collectErrors(page);
      await page.goto(preview.match[1]!);
      expect(await notesShown(page, 1)).toEqual([expect.stringMatching(/^opened at /)]);
      await page.reload();
      const notes = await notesShown(page, 2);
      expect(notes).toHaveLength(2);
      expect(notes[0]).toMatch(/^opened at /);
      await page.screenshot({ path: join(ARTIFACTS, 'vite-preview.png') });
      expect(errors).toEqual([]);
    } finally {
      await preview.stop();
    }
  });

  it('runs under the dev server (vite) without a reload in the middle of opening', async () => {
    const dev = await project.start(
      'vite',
      ['--host', '127.0.0.1', '--port', '0', '--strictPort'],
      /(http:\/\/127\.0\.0\.1:\d+\/)/,
    );
    try {
      const page = await (await browser.newContext()).newPage();
      const errors = collectErrors(page);
      let loads = 0;
      page.on('load', () => {
        loads++;
      });
      await page.goto(dev.match[1]!);
      expect(await notesShown(page, 1)).toEqual([expect.stringMatching(/^opened at /)]);
      await page.reload();
      expect(await notesShown(page, 2)).toHaveLength(2);
      expect(loads).toBe(2);
      expect(dev.output()).not.toMatch(/reloading|new dependencies optimized/);
      expect(errors).toEqual([]);
    } finally {
      await dev.stop();
    }
  });
});
