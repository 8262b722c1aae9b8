/**
 * The page behind the bad-input tests: opens a database with a worker that gets something wrong
 * (bad-input-worker.ts) and reports the codes, as plain data.
 */
import { isMoltError, type OpenDatabaseOptions, openDatabase } from '../../../src/client/index.ts';

interface Failure {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

function failure(error: unknown): Failure {
  if (isMoltError(error)) return { code: error.code, message: error.message, details: error.details };
  return { code: 'not-a-molt-error', message: String(error), details: {} };
}

const api = {
  /**
   * Opens `name` with the worker in `mode`: the outcome of `ready` (a status or a failure), how long it
   * took, and the outcome of a query made after it.
   */
  async open(mode: string, name: string) {
    const url = new URL('./bad-input-worker.ts', import.meta.url);
    url.searchParams.set('mode', mode);
    const worker = new Worker(url, { type: 'module' });
    const started = performance.now();
    const db = openDatabase({ name, worker });
    let ready: { status: string } | Failure;
    try {
      ready = { status: (await db.ready).status };
    } catch (error) {
      ready = failure(error);
    }
    const ms = performance.now() - started;
    let query: unknown;
    try {
      query = await db.query('SELECT count(*) AS n FROM notes');
    } catch (error) {
      query = failure(error);
    }
    worker.terminate();
    return { ready, ms, query };
  },
  /** What openDatabase does with options that lack a worker (or carry something else). */
  openWithout(options: unknown) {
    try {
      openDatabase(options as OpenDatabaseOptions);
      return { code: 'no error' };
    } catch (error) {
      return failure(error);
    }
  },
};

Object.assign(window, api, { ready: true });
