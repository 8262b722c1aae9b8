/**
 * The page of the startup benchmark (bench/startup.ts drives it): seeds the database in a worker, runs
 * the hand-written rebuild in a worker on the stored data, and times `db.ready` for the startup migration
 * of the same data while a PerformanceObserver counts main-thread long tasks.
 */
/// <reference types="vite/client" />
import * as Comlink from 'comlink';
import { type Database, openDatabase } from '../../src/client/index.ts';
import { createIndexedDbPort, createSnapshotStore } from '../../src/storage/index.ts';
import type { MoltService } from '../../src/worker/index.ts';
import { HAND_WRITTEN, seedStatements } from './startup-schema.ts';

function startWorker(schema: 'before' | 'after'): Worker {
  const url = new URL('./startup.worker.ts', import.meta.url);
  url.searchParams.set('schema', schema);
  return new Worker(url, { type: 'module' });
}

/** Resolves once the worker's module graph has loaded and `serve()` answers; throws if it fails to load. */
async function booted(worker: Worker): Promise<void> {
  const failed = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (event) => reject(new Error(`the worker failed: ${event.message}`))),
  );
  // Any call answers once the service is exposed; before `open`, listSnapshots answers `closed`.
  await Promise.race([Comlink.wrap<MoltService>(worker).listSnapshots(), failed]);
}

async function sizeOf(db: Database): Promise<number> {
  const [row] = await db.query<{ bytes: number }>(
    'SELECT page_count * page_size AS bytes FROM pragma_page_count, pragma_page_size',
  );
  return Number(row?.bytes);
}

/**
 * Deletes the migrated snapshot and its chunks once the pre-migrate one is restored, so that the next
 * run writes its chunks anew, as a first migration does, instead of finding them stored already.
 */
async function forget(name: string, id: string): Promise<void> {
  const store = createSnapshotStore(createIndexedDbPort(name));
  try {
    await store.deleteSnapshot(id);
    const collected = await store.collectGarbage();
    if (collected.kind !== 'collected') throw new Error(`garbage collection: ${collected.kind}`);
  } finally {
    await store.close();
  }
}

async function finish(db: Database, worker: Worker): Promise<void> {
  await db.close();
  worker.terminate();
}

/** Milliseconds from each startup phase's first progress event to the next phase's. */
function phaseDurations(marks: [string, number][], endMs: number): Record<string, number> {
  const firsts = marks.filter(([phase], i) => marks.findIndex(([p]) => p === phase) === i);
  const startup = new Set([
    'lock',
    'load',
    'check',
    'pre-migrate-snapshot',
    'migrate',
    'save',
    'broadcast',
    'done',
  ]);
  const phases = firsts.filter(([phase]) => startup.has(phase));
  const out: Record<string, number> = {};
  phases.forEach(([phase, at], i) => {
    out[phase] = (phases[i + 1]?.[1] ?? endMs) - at;
  });
  return out;
}

const api = {
  /** Creates the database with `rows` items and saves it. */
  async seed(name: string, rows: number) {
    const worker = startWorker('before');
    await booted(worker);
    const db = openDatabase({ name, worker });
    await db.ready;
    for (const sql of seedStatements(rows)) await db.exec(sql);
    await db.save();
    const bytes = await sizeOf(db);
    await finish(db, worker);
    return { bytes };
  },
  /** Opens the stored data (untimed), then times the hand-written rebuild in the worker. */
  async bare(name: string) {
    const worker = startWorker('before');
    await booted(worker);
    const db = openDatabase({ name, worker });
    const report = await db.ready;
    if (report.status !== 'up-to-date')
      throw new Error(`expected an up-to-date database, got ${report.status}`);
    const started = performance.now();
    for (const sql of HAND_WRITTEN) await db.exec(sql);
    const ms = performance.now() - started;
    const [reviews] = await db.query<{ n: number }>('SELECT count(*) AS n FROM reviews');
    await finish(db, worker);
    return { ms, reviews: Number(reviews?.n) };
  },
  /**
   * Times the startup migration: from `openDatabase` to `ready`, with the worker booted beforehand
   * (`ms`), and from `new Worker` (`coldMs`). Then restores the pre-migrate snapshot for the next run.
   */
  async molt(name: string) {
    const tasks: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push(entry.duration);
    });
    const created = performance.now();
    const worker = startWorker('after');
    await booted(worker);
    observer.observe({ type: 'longtask' });
    const started = performance.now();
    // When each progress event arrived: the startup's phases as the main thread sees them.
    const marks: [string, number][] = [];
    const db = openDatabase({
      name,
      worker,
      onProgress: (event) => marks.push([event.phase, performance.now() - started]),
    });
    const report = await db.ready;
    const finished = performance.now();
    // Long-task entries arrive asynchronously: give the observer a moment before reading them.
    await new Promise((resolve) => setTimeout(resolve, 200));
    observer.disconnect();
    if (report.status !== 'migrated') throw new Error(`expected a migration, got ${report.status}`);
    const [reviews] = await db.query<{ n: number }>('SELECT count(*) AS n FROM reviews');
    const bytesAfter = await sizeOf(db);
    if (report.preMigrateSnapshot) await db.snapshots.restore(report.preMigrateSnapshot);
    await finish(db, worker);
    if (report.saved) await forget(name, report.saved.id);
    return {
      ms: finished - started,
      coldMs: finished - created,
      timings: report.timings,
      steps: report.migration?.plan?.steps.map((s) => `${s.kind} ${s.object}`) ?? [],
      longTasks: tasks,
      phases: phaseDurations(marks, finished - started),
      reviews: Number(reviews?.n),
      bytesAfter,
    };
  },
};

for (const [key, fn] of Object.entries(api)) (window as unknown as Record<string, unknown>)[key] = fn;
(window as unknown as { ready: boolean }).ready = true;
