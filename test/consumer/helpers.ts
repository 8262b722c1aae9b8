/**
 * Fresh projects for the consumer suites, made as an app's author makes them: a new folder under the
 * system's temporary directory, the app's files, then `npm install` of molt's packed tarball (see
 * global-setup.ts) and whatever else the app uses, from the npm cache where it can (`--prefer-offline`).
 * Tools run from the project's own node_modules.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { inject } from 'vitest';
import { REPO_ROOT } from '../browser/harness.ts';

/** Screenshots and figures of the consumer suites: under test-results/, which git ignores. */
export const ARTIFACTS = join(REPO_ROOT, 'test-results/consumer');

/**
 * The environment for npm and the tools in a project, without what `npm test` sets for this
 * checkout (`npm_config_local_prefix` would make a nested `npm install` work on the checkout itself).
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const own =
      key === 'INIT_CWD' ||
      key === 'npm_command' ||
      key === 'npm_config_local_prefix' ||
      key.startsWith('npm_package_') ||
      key.startsWith('npm_lifecycle_');
    if (!own) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0' };
}

export interface Output {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its output when it exits with an error. */
export async function run(command: string, args: string[], cwd: string): Promise<Output> {
  try {
    return await promisify(execFile)(command, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failed = error as Error & Partial<Output>;
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${failed.stdout}\n${failed.stderr}`);
  }
}

/** Tools taken from PATH; any other runs from the project's node_modules/.bin. */
const SYSTEM_TOOLS = new Set(['node', 'npm', 'npx']);

export interface ConsumerProject {
  dir: string;
  /** Runs a tool of the project's node_modules/.bin, or node, npm or npx. */
  run(tool: string, args: string[]): Promise<Output>;
  /** Starts a long-running tool (a dev server) and resolves once its output matches `ready`. */
  start(tool: string, args: string[], ready: RegExp): Promise<Started>;
  remove(): void;
}

export interface Started {
  /** The first match of `ready` in the output. */
  match: RegExpMatchArray;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface ProjectOptions {
  /** Folders whose contents are copied into the project, in order (later ones win). */
  copy?: string[];
  /** More files, by path in the project. */
  files?: Record<string, string>;
  /** Packages to install besides molt (and what the project's package.json lists). */
  install?: string[];
}

/**
 * Makes a project and installs molt's tarball into it (plus `install`).
 * @example
 * const project = await createProject('node', { files: { 'package.json': '{"type":"module"}' } });
 */
export async function createProject(name: string, options: ProjectOptions = {}): Promise<ConsumerProject> {
  const dir = mkdtempSync(join(tmpdir(), `molt-consumer-${name}-`));
  for (const from of options.copy ?? []) cpSync(from, dir, { recursive: true });
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const bin = (tool: string) => (SYSTEM_TOOLS.has(tool) ? tool : join(dir, 'node_modules/.bin', tool));
  const project: ConsumerProject = {
    dir,
    run: (tool, args) => run(bin(tool), args, dir),
    start: (tool, args, ready) => startProcess(bin(tool), args, dir, ready),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  await project.run('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    inject('moltTarball'),
    ...(options.install ?? []),
  ]);
  return project;
}

function startProcess(command: string, args: string[], cwd: string, ready: RegExp): Promise<Started> {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} ${args.join(' ')} did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ match, output: () => output, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** The quick start's notes as the page lists them, once there are at least `count`. */
export async function notesShown(page: Page, count: number): Promise<string[]> {
  await page.waitForFunction((n) => document.querySelectorAll('#notes li').length >= n, count, {
    timeout: 60_000,
  });
  return page.locator('#notes li').allTextContents();
}

/** Uncaught errors of a page and its workers. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('worker', (worker) => worker.on('console', (m) => m.type() === 'error' && errors.push(m.text())));
  return errors;
}
