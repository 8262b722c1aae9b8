/**
 * Nothing acknowledged is lost when the page goes away. On `visibilitychange` to hidden and on
 * `pagehide` the client asks its worker to persist what is pending (relaxed and manual writes, commits
 * in flight). A hidden page keeps running, so that persist finishes; a page that is being closed or
 * left does not: the browser ends its worker right after `pagehide` (in Chromium within a few
 * milliseconds). So, when this tab's worker holds unpersisted writes, the `pagehide` handler keeps the
 * page alive by waiting (busy: nothing else can run during `pagehide`) about as long as a persist takes,
 * and no longer than `MAX_UNLOAD_WAIT_MS`. The worker runs on its own thread meanwhile and finishes.
 */
import type { WorkerEvent } from '../worker/protocol.ts';

/**
 * The longest `pagehide` waits. Chromium ends a closing tab's renderer about half a second after
 * `pagehide` whatever the page does (measured); a navigation away waits longer.
 */
export const MAX_UNLOAD_WAIT_MS = 1000;

/** The shortest wait when something is at risk: a first persist in a worker has no measured time yet. */
export const MIN_UNLOAD_WAIT_MS = 500;

/** What the page knows of its worker's unpersisted writes. */
export interface PersistState {
  /** Feeds an event from the worker. */
  onEvent(event: WorkerEvent): void;
  /** A write was sent (`started`) or answered by this tab's worker. */
  onWrite(started: boolean, acknowledgedUnpersisted: boolean): void;
  /** Whether this tab's worker is the one that persists (it owns the database). */
  setOwner(owner: boolean): void;
  /** How long `pagehide` should wait: 0 when nothing is at risk. */
  unloadWaitMs(): number;
}

/**
 * Tracks what `pagehide` must wait for.
 * @example
 * const state = createPersistState();
 * state.onEvent({ kind: 'pending', pending: true, persistMs: 12 });
 * state.unloadWaitMs(); // 500 (at least MIN_UNLOAD_WAIT_MS)
 */
export function createPersistState(): PersistState {
  let owner = true;
  let pending = false;
  let persistMs = 0;
  let inFlight = 0;
  let acknowledged = false;
  return {
    onEvent(event) {
      if (event.kind === 'pending') {
        pending = event.pending;
        persistMs = event.persistMs;
        if (!event.pending) acknowledged = false;
      } else if (event.kind === 'persisted') {
        persistMs = Math.max(persistMs, event.ms);
      }
    },
    onWrite(started, acknowledgedUnpersisted) {
      inFlight += started ? 1 : -1;
      // Its `pending` event may come after the answer (another message port): count it from here.
      if (acknowledgedUnpersisted) acknowledged = true;
    },
    setOwner(value) {
      owner = value;
    },
    unloadWaitMs() {
      if (!owner || !(pending || acknowledged || inFlight > 0)) return 0;
      return Math.min(MAX_UNLOAD_WAIT_MS, Math.max(MIN_UNLOAD_WAIT_MS, 3 * persistMs + 100));
    },
  };
}

/**
 * Asks for a persist when the page is hidden or left, and waits on `pagehide` as `state` says. Returns
 * a function that removes the listeners.
 * @example
 * const stop = watchPageLifecycle(() => void db.flush(), state);
 */
export function watchPageLifecycle(flush: () => void, state: PersistState): () => void {
  const target = globalThis as { addEventListener?: Window['addEventListener']; document?: Document };
  if (typeof target.addEventListener !== 'function' || !target.document) return () => undefined;
  const document = target.document;
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') flush();
  };
  const onPageHide = () => {
    const waitMs = state.unloadWaitMs();
    flush();
    const until = performance.now() + waitMs;
    while (performance.now() < until) {
      // Busy on purpose: the page (and so its worker) lives while this handler runs.
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  target.addEventListener('pagehide', onPageHide);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    globalThis.removeEventListener?.('pagehide', onPageHide);
  };
}
