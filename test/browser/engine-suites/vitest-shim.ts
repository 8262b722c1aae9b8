/**
 * Just enough of Vitest's API for the engine suites to run inside a worker in Chromium: `describe`,
 * `it` (with `.fails` and `.skip`), the four hooks, and Vitest's own `expect` (`@vitest/expect` on
 * chai). The page server aliases `vitest` to this module; `runCollected` runs what the imported suites
 * registered, one test at a time, and returns a result per test.
 */
import { chai, JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

export const expect = chai.expect as unknown as typeof import('vitest').expect;

type Hook = () => unknown;
type Body = () => unknown;

interface Test {
  name: string;
  body: Body;
  mode: 'run' | 'fails' | 'skip';
}

interface Block {
  name: string;
  tests: (Test | Block)[];
  beforeAll: Hook[];
  afterAll: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
}

/** One test's outcome, named by its blocks and itself joined with " > ". */
export interface TestResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  error?: string;
  ms: number;
}

const newBlock = (name: string): Block => ({
  name,
  tests: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});
let root = newBlock('');
let current = root;

export function describe(name: string, body: () => void): void {
  const block = newBlock(name);
  current.tests.push(block);
  const parent = current;
  current = block;
  try {
    body();
  } finally {
    current = parent;
  }
}

const register = (mode: Test['mode']) => (name: string, body: Body) => {
  current.tests.push({ name, body, mode });
};
export const it = Object.assign(register('run'), { fails: register('fails'), skip: register('skip') });
export const test = it;
export const beforeAll = (hook: Hook) => current.beforeAll.push(hook);
export const afterAll = (hook: Hook) => current.afterAll.push(hook);
export const beforeEach = (hook: Hook) => current.beforeEach.push(hook);
export const afterEach = (hook: Hook) => current.afterEach.push(hook);

/** Hooks of the harness itself around every test (the OPFS shim closes what the test left open). */
export const around = { before: [] as Hook[], after: [] as Hook[] };

/**
 * Runs everything registered since the last call and forgets it.
 * @example
 * await import('../../engine/traps.test.ts');
 * const results = await runCollected('traps');
 */
export async function runCollected(prefix: string): Promise<TestResult[]> {
  const block = root;
  root = newBlock('');
  current = root;
  const results: TestResult[] = [];
  await runBlock(block, [prefix], [], [], results);
  return results;
}

async function runBlock(
  block: Block,
  path: string[],
  beforeEachHooks: Hook[],
  afterEachHooks: Hook[],
  results: TestResult[],
): Promise<void> {
  const names = block.name ? [...path, block.name] : path;
  const before = [...beforeEachHooks, ...block.beforeEach];
  const after = [...block.afterEach, ...afterEachHooks];
  try {
    for (const hook of block.beforeAll) await hook();
  } catch (error) {
    results.push({
      name: names.join(' > '),
      status: 'failed',
      error: `beforeAll: ${describeError(error)}`,
      ms: 0,
    });
    return;
  }
  for (const entry of block.tests) {
    if ('tests' in entry) await runBlock(entry, names, before, after, results);
    else results.push(await runTest(entry, [...names, entry.name].join(' > '), before, after));
  }
  for (const hook of block.afterAll) await hook();
}

async function runTest(test: Test, name: string, before: Hook[], after: Hook[]): Promise<TestResult> {
  if (test.mode === 'skip') return { name, status: 'skipped', ms: 0 };
  const started = performance.now();
  let error: unknown;
  try {
    for (const hook of [...around.before, ...before]) await hook();
    await test.body();
  } catch (caught) {
    error = caught ?? new Error('failed');
  }
  for (const hook of [...after, ...around.after]) {
    try {
      await hook();
    } catch (caught) {
      error ??= caught;
    }
  }
  const ms = performance.now() - started;
  if (test.mode === 'fails') {
    return error
      ? { name, status: 'passed', ms }
      : { name, status: 'failed', error: 'expected to fail, and passed', ms };
  }
  return error ? { name, status: 'failed', error: describeError(error), ms } : { name, status: 'passed', ms };
}

/** The error and its causes (fast-check puts the property's own failure in `cause`). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause === undefined ? '' : `\ncaused by ${describeError(error.cause)}`;
  return `${error.name}: ${error.message}${cause}`;
}
