/**
 * Runs one of the engine's Node suites inside a dedicated worker, against the OPFS adapter: the page
 * server rewrites `vitest`, the sql.js adapter, node:crypto and node:fs to the shims in
 * test/browser/engine-suites (see test/browser/engine-suites.test.ts).
 */
import { closeAll } from '../engine-suites/sql-js-on-opfs.ts';
import { runCollected } from '../engine-suites/vitest-shim.ts';

/** The suites this worker can run, by name. Each module registers its tests when imported. */
const SUITES: Record<string, () => Promise<unknown>> = {
  plan: () => import('../../engine/plan.test.ts'),
  apply: () => import('../../engine/apply.test.ts'),
  traps: () => import('../../engine/traps.test.ts'),
  migrate: () => import('../../engine/migrate.test.ts'),
  health: () => import('../../engine/health.test.ts'),
  property: () => import('../../engine/property.test.ts'),
  sqldef: () => import('../../conformance/sqldef.test.ts'),
  'real-world': () => import('../../conformance/real-world.test.ts'),
  fts5: () => import('../engine-suites/fts5.suite.ts'),
  port: () => import('../engine-suites/port.suite.ts'),
};

self.addEventListener(
  'message',
  async (event: MessageEvent<{ name: string; env: Record<string, string> }>) => {
    const { name, env } = event.data;
    try {
      // Suites read their settings from process.env, which a worker does not have.
      (globalThis as { process?: unknown }).process = { env };
      const load = SUITES[name];
      if (!load) throw new Error(`no suite called ${name}`);
      await load();
      const results = await runCollected(name);
      closeAll();
      postMessage({ results });
    } catch (error) {
      postMessage({
        error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error),
      });
    }
  },
);
