/**
 * `serve()` for the app's own worker file: wires the service to the browser (sql.js with its wasm,
 * IndexedDB, Web Locks, BroadcastChannel) and exposes it with Comlink. The only file here that knows
 * about Comlink.
 */
import * as Comlink from 'comlink';
import { MoltError } from '../engine/errors.ts';
import { loadSqlJs } from '../sqlite/sql-js.ts';
import { createIndexedDbPort, createSnapshotStore } from '../storage/index.ts';
import type { MoltService, Outcome } from './protocol.ts';
import { createService, type LockManagerLike, type ServeOptions, type ServiceDeps } from './service.ts';

/**
 * Exposes molt in this worker. Call it once, at the top of the app's worker file.
 * @example
 * // db.worker.ts
 * import { serve } from 'molt/worker';
 * import schema from './schema.sql?raw';
 * serve({ schema });
 */
export function serve(options: ServeOptions = {}, overrides: Partial<ServiceDeps> = {}): MoltService {
  const service = createService({
    options,
    loadSqlite: () =>
      loadSqlJs(
        options.sqlite?.wasmBinary
          ? { wasmBinary: options.sqlite.wasmBinary }
          : { wasmUrl: options.sqlite?.wasmUrl ?? defaultWasmUrl() },
      ),
    openStore: (name) => createSnapshotStore(createIndexedDbPort(name)),
    locks: webLocks(),
    broadcast: (channel, message) => {
      const bc = new BroadcastChannel(channel);
      bc.postMessage(message);
      bc.close();
    },
    ...overrides,
  });
  const exposed = forComlink(service);
  Comlink.expose(exposed);
  return exposed;
}

/**
 * Adapts the service to Comlink: bytes go back transferred (zero-copy), and progress callbacks, which
 * arrive as proxies, are released when the call is over (the event callback of `open` when the
 * database is closed).
 */
export function forComlink(service: MoltService): MoltService {
  const events: { [Comlink.releaseProxy]?: () => void }[] = [];
  const released =
    <A extends unknown[], T>(run: (...args: A) => Promise<T>, callbackAt: number) =>
    async (...args: A): Promise<T> => {
      try {
        return await run(...args);
      } finally {
        const callback = args[callbackAt] as { [Comlink.releaseProxy]?: () => void } | undefined;
        callback?.[Comlink.releaseProxy]?.();
      }
    };
  return {
    ...service,
    open: released((request, onProgress, onEvent) => {
      if (onEvent) events.push(onEvent as never);
      return service.open(request, onProgress, onEvent);
    }, 1),
    migrate: released(service.migrate, 0),
    close: async () => {
      try {
        return await service.close();
      } finally {
        for (const callback of events.splice(0)) callback[Comlink.releaseProxy]?.();
      }
    },
    exportSnapshot: async (id) => transferBytes(await service.exportSnapshot(id)),
  };
}

function transferBytes(outcome: Outcome<Uint8Array>): Outcome<Uint8Array> {
  if (!outcome.ok) return outcome;
  let bytes = outcome.value;
  // Transfer moves the whole buffer: give the bytes a buffer of their own first.
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
  return Comlink.transfer({ ok: true, value: bytes }, [bytes.buffer as ArrayBuffer]);
}

/** navigator.locks, which exists only in secure contexts. */
function webLocks(): LockManagerLike {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  if (!locks) {
    return {
      request: () =>
        Promise.reject(
          new MoltError(
            'insecure-context',
            'Web Locks are missing: serve the app over https (or http on localhost)',
          ),
        ),
    };
  }
  return locks;
}

/**
 * sql.js's wasm file, written the way bundlers find assets: Vite and webpack 5 copy the file into the
 * build and rewrite this URL to it. Others need `sqlite.wasmUrl` or `wasmBinary` (see the README).
 */
function defaultWasmUrl(): string {
  return new URL('sql.js/dist/sql-wasm-browser.wasm', import.meta.url).href;
}
