/**
 * What survives a reload and what a link carries. The database itself lives in IndexedDB (the
 * snapshots); the two schemas live in the URL's hash, so a link shares them, and in localStorage, so
 * a bare URL comes back to where the user was.
 */
import type { App } from './app.ts';
import { decodeState, encodeState, type SharedState } from './share.ts';

const KEY = 'molt-playground:state';

export interface Remembered extends SharedState {
  /** Where the current database came from, and what happened to it since, in words. */
  source: string;
  change: string;
}

/** The state this browser remembers, if any. */
export function recall(): Remembered | undefined {
  try {
    const data = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Remembered> | null;
    if (typeof data?.current !== 'string' || typeof data.target !== 'string') return undefined;
    return {
      current: data.current,
      target: data.target,
      source: String(data.source ?? ''),
      change: String(data.change ?? ''),
    };
  } catch {
    return undefined;
  }
}

/** The state in the URL's hash: undefined when there is none; throws for a damaged one. */
export function fromLink(): Promise<SharedState | undefined> {
  return decodeState(location.hash);
}

let writing: Promise<void> = Promise.resolve();

/**
 * Writes the state to localStorage and the hash (replacing the history entry: editing is not
 * navigation, the back button should leave the page).
 * @example
 * remember(app);
 */
export function remember(app: App): Promise<void> {
  const state: Remembered = {
    current: app.current.get(),
    target: app.target.get(),
    source: app.source,
    change: app.change,
  };
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // Storage full or disabled: the hash still carries the state.
  }
  writing = writing.then(async () => {
    const hash = await encodeState(state);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  });
  return writing;
}
