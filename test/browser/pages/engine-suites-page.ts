/** Starts the worker that runs engine suites on OPFS (engine-suites-worker.ts) and hands back its results. */
import type { TestResult } from '../engine-suites/vitest-shim.ts';

function runSuite(name: string, env: Record<string, string>): Promise<TestResult[]> {
  const worker = new Worker(new URL('./engine-suites-worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<{ results?: TestResult[]; error?: string }>) => {
      worker.terminate();
      if (event.data.error) reject(new Error(event.data.error));
      else resolve(event.data.results ?? []);
    });
    worker.addEventListener('error', (event) => {
      worker.terminate();
      reject(new Error(event.message || 'the suite worker failed to load'));
    });
    worker.postMessage({ name, env });
  });
}

Object.assign(window, { runSuite, ready: true });
