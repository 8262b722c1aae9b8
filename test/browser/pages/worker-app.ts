/**
 * The app worker file of the worker tests: `serve()` with the app named by `?app=` (see worker-apps.ts).
 * `?hold=<phase>` stops the startup at the beginning of that phase for good, so a page can terminate the
 * worker at a known point; `?stall=<ms>` makes migration 0002 of the items app stop halfway (see
 * worker-apps.ts).
 */
import type { StartupPhase } from '../../../src/worker/index.ts';
import { serve } from '../../../src/worker/index.ts';
import { APPS, testHooks } from './worker-apps.ts';

const params = new URL(self.location.href).searchParams;
const name = params.get('app') ?? '';
const app = APPS[name];
if (!app) throw new Error(`worker-app: no app called ${JSON.stringify(name)}`);
const hold = params.get('hold') as StartupPhase | null;
testHooks.stallMs = Number(params.get('stall') ?? 0);

serve(
  app,
  hold ? { onPhase: (phase) => (phase === hold ? new Promise<void>(() => undefined) : undefined) } : {},
);
