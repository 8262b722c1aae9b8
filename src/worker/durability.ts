/**
 * When writes reach the durable head. Each write names its durability:
 *
 * - `commit`: its promise resolves once a persist that captured it has finished (group commit: writes
 *   that arrive while a persist runs are carried together by the next one, so N concurrent writes cost
 *   about one persist, not N);
 * - `relaxed`: it resolves at once, and a persist follows within its delay (or sooner: `flush`);
 * - `manual`: it resolves at once and waits for a `save` or for any other persist.
 *
 * A persist that fails rejects the `commit` writes it carried (and the saves waiting for it) with the
 * error's code, and takes them out of the database: the live database goes back to the persisted head
 * and every other write made since is run again on it (its result is recomputed for those not yet
 * answered). Nothing is reported as written that is not, and nothing reported as failed stays behind.
 * When the head moved behind this writer's back (`stale-head`), no write is replayed on another
 * writer's data: the head is read again and every write not yet persisted is dropped.
 */
import { MoltError, toErrorData } from '../engine/errors.ts';
import type { EngineLoad, PersistResult } from './engine.ts';
import type { Outcome } from './protocol.ts';

/** When a write resolves: see the module comment. */
export type Durability = 'commit' | 'relaxed' | 'manual';

export const DEFAULT_DURABILITY: Durability = 'commit';

/** How long a `relaxed` write may stay unpersisted, by default. */
export const DEFAULT_RELAXED_DELAY_MS = 1000;

/** What a write did: its outcome, and whether it changed the database (an unchanged one needs no persist). */
export interface Written<T> {
  outcome: Outcome<T>;
  changed: boolean;
  /**
   * The outcome stands for a change made earlier (a call seen again): it is answered only once the
   * database holds nothing unpersisted that it could depend on.
   */
  repeated?: boolean;
  /**
   * Made inside a transaction the app opened with `BEGIN`: not durable before its `COMMIT` (the call
   * that waits), so it is answered at once, whatever its durability; waiting would hold the COMMIT back.
   */
  insideTransaction?: boolean;
}

export interface WriteOptions {
  durability: Durability;
  /** For `relaxed`: the longest the write may stay unpersisted. */
  delayMs?: number;
}

/** What the writer needs from the engine. */
export interface PersistTarget {
  persist(): Promise<PersistResult>;
  revert(): Promise<void>;
  reload(): Promise<EngineLoad>;
  /** True while the database cannot be persisted (the app holds a transaction open). */
  busy(): boolean;
}

/** Reported after each persist and each failure (the page uses it to decide how long to wait on `pagehide`). */
export type WriterEvent =
  | { kind: 'persisted'; result: PersistResult; writes: number; ms: number }
  | { kind: 'failed'; error: ReturnType<typeof toErrorData>; writes: number; lost: number }
  | { kind: 'pending'; pending: boolean };

export interface DurableWriter {
  /**
   * Runs a write now (after any exclusive operation) and resolves according to its durability. `run`
   * must be synchronous and safe to run again: after a failed persist it is replayed on the reverted
   * database.
   */
  write<T>(run: () => Written<T>, options: WriteOptions): Promise<Outcome<T>>;
  /** Persists now if anything is unpersisted, and waits for it. */
  flush(): Promise<void>;
  /** Persists now, even when nothing changed (an explicit `save()`), and resolves with what it wrote. */
  save(): Promise<PersistResult>;
  /** Persists what is pending, then runs `run` with every write held back until it is done. */
  exclusive<T>(run: () => Promise<T>): Promise<T>;
  /** True while a write is not yet persisted or a persist runs. */
  readonly pending: boolean;
  /** Persists what is pending (except `manual` writes alone) and stops: later writes fail with `closed`. */
  close(): Promise<void>;
}

interface Entry {
  run: () => Written<unknown>;
  options: WriteOptions;
  outcome: Outcome<unknown>;
  /** Set while a `commit` write waits for its persist. */
  answer?: (outcome: Outcome<unknown>) => void;
}

interface SaveWaiter {
  resolve: (result: PersistResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Creates the writer over an engine.
 * @example
 * const writer = createDurableWriter(engine, (e) => console.log(e));
 * const outcome = await writer.write(() => execute(engine.conn, sql), { durability: 'commit' });
 */
export function createDurableWriter(
  target: PersistTarget,
  onEvent: (event: WriterEvent) => void = () => undefined,
): DurableWriter {
  /** Writes made since the last successful persist (and not carried by a running one), in order. */
  let log: Entry[] = [];
  let saves: SaveWaiter[] = [];
  let running: Promise<void> | undefined;
  /** A write in the log waits for its persist (`commit`, or a call seen again). */
  let urgent = false;
  let deadline: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Writes wait while an exclusive operation or a recovery runs. */
  const gates = new Set<Promise<void>>();
  let closed = false;
  let reportedPending = false;

  const isPending = () => running !== undefined || log.length > 0 || saves.length > 0;
  const report = () => {
    const now = isPending();
    if (now !== reportedPending) {
      reportedPending = now;
      onEvent({ kind: 'pending', pending: now });
    }
  };
  const due = () =>
    saves.length > 0 || (log.length > 0 && (urgent || (deadline !== undefined && deadline <= now())));

  const schedule = (delayMs: number) => {
    const at = now() + delayMs;
    if (deadline !== undefined && deadline <= at) return;
    deadline = at;
    clearTimeout(timer);
    timer = setTimeout(kick, Math.max(0, delayMs));
  };

  function kick(): void {
    if (running || !due()) return;
    running = loop()
      .catch((error: unknown) => {
        // Only a failed recovery gets here (the live database could not be put back).
        onEvent({ kind: 'failed', error: toErrorData(error), writes: 0, lost: log.length });
      })
      .finally(() => {
        running = undefined;
        report();
        kick();
      });
    report();
  }

  async function loop(): Promise<void> {
    while (due()) {
      const batch = log;
      const waiting = saves;
      log = [];
      saves = [];
      urgent = false;
      deadline = undefined;
      clearTimeout(timer);
      const started = now();
      let result: PersistResult;
      try {
        result = await target.persist(); // captures the database synchronously: exactly `batch`
      } catch (error) {
        await recover(batch, waiting, error);
        continue;
      }
      for (const entry of batch) entry.answer?.(entry.outcome);
      for (const save of waiting) save.resolve(result);
      onEvent({ kind: 'persisted', result, writes: batch.length, ms: now() - started });
    }
  }

  async function recover(batch: Entry[], waiting: SaveWaiter[], error: unknown): Promise<void> {
    const data = toErrorData(error);
    const failed: Outcome<never> = { ok: false, error: data };
    const release = hold();
    try {
      for (const save of waiting) save.reject(error);
      for (const entry of batch) entry.answer?.(failed);
      const later = log;
      log = [];
      if (data.code === 'stale-head') {
        // Another writer's head: what was not persisted cannot be placed on it without merging.
        await target.reload();
        for (const entry of later) entry.answer?.(failed);
        const lost = batch.filter((e) => !e.answer).length + later.filter((e) => !e.answer).length;
        onEvent({ kind: 'failed', error: data, writes: batch.length, lost });
        return;
      }
      await target.revert();
      // Written again on the persisted head: the writes already answered (relaxed, manual), then those
      // made while the persist ran. The ones rejected above stay out.
      for (const entry of [...batch.filter((e) => !e.answer), ...later]) {
        const again = entry.run();
        entry.outcome = again.outcome;
        if (!again.changed) entry.answer?.(again.outcome);
        else {
          log.push(entry);
          if (entry.answer) urgent = true;
        }
      }
      for (const entry of log) if (entry.options.durability === 'relaxed') schedule(delayOf(entry.options));
      onEvent({ kind: 'failed', error: data, writes: batch.length, lost: 0 });
    } finally {
      release();
    }
  }

  /** Holds writes back until the returned function is called. */
  const hold = () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    gates.add(gate);
    return () => {
      gates.delete(gate);
      release();
    };
  };
  const waitGates = async () => {
    while (gates.size > 0) await Promise.all(gates);
    if (closed) throw new MoltError('closed', 'the database is closed');
  };

  const writer: DurableWriter = {
    async write(run, options) {
      if (gates.size > 0 || closed) await waitGates();
      const written = run();
      // A call seen before may stand for a change not persisted yet: it waits like a write.
      const unpersisted = log.length > 0 || running !== undefined;
      if (!written.changed && !(written.repeated && unpersisted && options.durability === 'commit')) {
        return written.outcome;
      }
      const durability = written.insideTransaction ? 'manual' : options.durability;
      const entry: Entry = { run: run as () => Written<unknown>, options, outcome: written.outcome };
      log.push(entry);
      if (durability === 'relaxed') schedule(delayOf(options));
      if (durability === 'commit') urgent = true;
      const answered =
        durability === 'commit'
          ? new Promise<Outcome<unknown>>((resolve) => (entry.answer = resolve))
          : Promise.resolve(written.outcome);
      kick();
      report();
      return answered as Promise<Outcome<never>>;
    },
    flush: () => flushAll(),
    save() {
      return new Promise<PersistResult>((resolve, reject) => {
        if (closed) return reject(new MoltError('closed', 'the database is closed'));
        saves.push({ resolve, reject });
        kick();
      });
    },
    async exclusive(run) {
      await waitGates();
      const release = hold();
      try {
        await flushAll();
        return await run();
      } finally {
        release();
      }
    },
    get pending() {
      return isPending();
    },
    async close() {
      if (closed) return;
      try {
        await waitGates();
        // `manual` writes wait for a save: closing without one drops them, as it always did.
        if (log.every((e) => e.options.durability === 'manual')) log = [];
        await flushAll();
      } finally {
        closed = true;
        clearTimeout(timer);
      }
    },
  };

  /** Persists everything unpersisted; throws when that fails. */
  async function flushAll(): Promise<void> {
    while (running) await running;
    if (log.length > 0) await writer.save();
  }
  return writer;
}

function delayOf(options: WriteOptions): number {
  return options.delayMs ?? DEFAULT_RELAXED_DELAY_MS;
}

function now(): number {
  return performance.now();
}
