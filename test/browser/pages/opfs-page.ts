/**
 * The page behind the OPFS adapter tests: it starts test workers (opfs-worker.ts), which hold the
 * database files, and forwards calls to them. Results are plain `{ ok, value }` or `{ ok: false, code }`.
 */
import * as Comlink from 'comlink';
import { checkOpfs } from '../../../src/sqlite/opfs.ts';
import type { OpfsWorkerApi } from './opfs-worker.ts';

const workers = new Map<string, { worker: Worker; api: Comlink.Remote<OpfsWorkerApi> }>();

function worker(key: string) {
  let entry = workers.get(key);
  if (!entry) {
    const created = new Worker(new URL('./opfs-worker.ts', import.meta.url), { type: 'module' });
    entry = { worker: created, api: Comlink.wrap<OpfsWorkerApi>(created) };
    workers.set(key, entry);
  }
  return entry;
}

Object.assign(window, {
  /** Calls `method` of the worker `key` (started on first use). */
  call: (key: string, method: keyof OpfsWorkerApi, ...args: unknown[]) =>
    (worker(key).api[method] as (...a: unknown[]) => Promise<unknown>)(...args),
  /** Ends the worker `key` at once, as a closed tab does. */
  terminate: (key: string) => {
    workers.get(key)?.worker.terminate();
    workers.delete(key);
  },
  /** What `checkOpfs` says on the main thread, where sync access handles do not exist. */
  mainThreadSupport: () => checkOpfs(),
  ready: true,
});
