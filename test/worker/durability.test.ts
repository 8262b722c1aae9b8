/**
 * Durability modes in one worker, through Comlink over a MessageChannel (as the client calls it), with
 * real sql.js and the snapshot store over fake-indexeddb. What is persisted is read back the way the
 * next start reads it: the head, loaded and verified by a fresh store.
 */
import 'fake-indexeddb/auto';
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase, type PersistedEvent } from '../../src/client/index.ts';
import { MoltError } from '../../src/engine/errors.ts';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/sql-js.ts';
import { createIndexedDbPort, createSnapshotStore, type KvPort } from '../../src/storage/index.ts';
import { forComlink } from '../../src/worker/serve.ts';
import { createService } from '../../src/worker/service.ts';
import { createFakeLocks } from '../support/fake-locks.ts';

const SCHEMA = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);';

let counter = 0;
const opened: Database[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
});

/**
 * How the port's next commits behave, one entry per commit (then normally): after `delayMs`, fail
 * with `quota-exceeded` or go through. `fail` alone makes every commit fail while it is set.
 */
interface Faults {
  fail: boolean;
  next: { delayMs: number; fail: boolean }[];
}

function faulty(port: KvPort, faults: Faults): KvPort {
  return {
    ...port,
    async commit(request) {
      const step = faults.next.shift() ?? { delayMs: 0, fail: faults.fail };
      if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      if (step.fail) throw new MoltError('quota-exceeded', 'the quota is full (injected)');
      return port.commit(request);
    },
  };
}

function start(
  options: { durability?: 'commit' | 'relaxed' | 'manual'; relaxedDelayMs?: number } = {},
  name = `durable-${++counter}`,
  faults: Faults = { fail: false, next: [] },
) {
  const service = createService({
    options: { schema: SCHEMA },
    loadSqlite: () => loadSqlJs(),
    openStore: (n) => createSnapshotStore(faulty(createIndexedDbPort(n), faults)),
    locks: createFakeLocks().client(),
    broadcast: () => undefined,
  });
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(forComlink(service), port1);
  const db = openDatabase({ name, worker: port2, ...options });
  const persisted: PersistedEvent[] = [];
  db.on('persisted', (event) => persisted.push(event));
  opened.push(db);
  return { db, name, faults, persisted };
}

/** The bodies in the persisted head, as the next start would load them. */
async function persistedBodies(name: string): Promise<string[]> {
  const store = createSnapshotStore(createIndexedDbPort(name));
  try {
    const head = await store.loadHead();
    if (!head) return [];
    const conn = openSqlJs(await loadSqlJs(), head.bytes);
    try {
      return conn.query('SELECT body FROM notes ORDER BY id').map((r) => String(r.body));
    } finally {
      conn.close();
    }
  } finally {
    await store.close();
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return error instanceof Error && 'code' in error ? String(error.code) : `not a MoltError: ${error}`;
  }
}

const insert = (db: Database, body: string) => db.exec('INSERT INTO notes (body) VALUES (?)', [body]);
const bodies = async (db: Database) =>
  (await db.query<{ body: string }>('SELECT body FROM notes ORDER BY id')).map((r) => r.body);

describe('durability: commit (the default)', () => {
  it('resolves a write once it is in the persisted head, without save()', async () => {
    const { db, name } = start();
    await db.ready;
    await insert(db, 'one');
    expect(await persistedBodies(name)).toEqual(['one']);
    await db.transaction([
      { sql: "INSERT INTO notes (body) VALUES ('two')" },
      { sql: "INSERT INTO notes (body) VALUES ('three')" },
    ]);
    expect(await persistedBodies(name)).toEqual(['one', 'two', 'three']);
    // A query that writes is a write.
    expect(await db.query("INSERT INTO notes (body) VALUES ('four') RETURNING id")).toEqual([{ id: 4 }]);
    expect(await persistedBodies(name)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('carries concurrent writes in a few persists (group commit), every one of them persisted', async () => {
    const { db, name, persisted } = start();
    await db.ready;
    const before = persisted.length;
    await Promise.all(Array.from({ length: 40 }, (_, i) => insert(db, `note ${i}`)));
    // The events come on their own channel: they may follow the answers.
    await expect.poll(() => persisted.slice(before).reduce((sum, e) => sum + e.writes, 0)).toBe(40);
    expect(persisted.length - before).toBeLessThanOrEqual(3);
    expect((await persistedBodies(name)).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `note ${i}`).sort(),
    );
  });

  it('does not wait inside a transaction the app opened; its COMMIT resolves once persisted', async () => {
    const { db, name } = start();
    await db.ready;
    await db.exec('BEGIN');
    await insert(db, 'inside');
    expect(await persistedBodies(name)).toEqual([]);
    await db.exec('COMMIT');
    expect(await persistedBodies(name)).toEqual(['inside']);
  });

  it('answers a failed statement without a persist, and a write that changed nothing as well', async () => {
    const { db, name, persisted } = start();
    await db.ready;
    await insert(db, 'one');
    const before = persisted.length;
    expect(await codeOf(insert(db, 'one'))).toBe('sqlite-error');
    expect(await db.exec("UPDATE notes SET body = 'x' WHERE id = 99")).toEqual(
      expect.objectContaining({ changes: 0 }),
    );
    expect(persisted.length - before).toBeLessThanOrEqual(1);
    expect(await persistedBodies(name)).toEqual(['one']);
  });
});

describe('durability: a failed persist', () => {
  it('rejects exactly the writes it carried, takes them out, and keeps the writes made meanwhile', async () => {
    const { db, name, faults } = start();
    await db.ready;
    await insert(db, 'kept');
    // A slow persist carries `first`; a and b arrive while it runs, so the next persist carries them
    // both, and that one fails; c arrives while it runs and goes to the persist after.
    faults.next = [
      { delayMs: 150, fail: false },
      { delayMs: 150, fail: true },
    ];
    const first = insert(db, 'first');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const carried = [insert(db, 'a'), insert(db, 'b')];
    await new Promise((resolve) => setTimeout(resolve, 175));
    const during = insert(db, 'c');
    await expect(first).resolves.toMatchObject({ changes: 1 });
    expect(await Promise.all(carried.map(codeOf))).toEqual(['quota-exceeded', 'quota-exceeded']);
    await expect(during).resolves.toMatchObject({ changes: 1 });
    // Nothing rejected stays behind: not in the live database, not in the head.
    expect(await bodies(db)).toEqual(['kept', 'first', 'c']);
    expect(await persistedBodies(name)).toEqual(['kept', 'first', 'c']);
    // The rejected writes can simply be made again.
    await insert(db, 'a');
    expect(await persistedBodies(name)).toEqual(['kept', 'first', 'c', 'a']);
  });

  it('keeps the relaxed writes it carried (they were acknowledged) and persists them later', async () => {
    const { db, name, faults } = start({ durability: 'relaxed', relaxedDelayMs: 20 });
    await db.ready;
    faults.fail = true;
    await insert(db, 'acknowledged');
    expect(await codeOf(db.save())).toBe('quota-exceeded');
    expect(await bodies(db)).toEqual(['acknowledged']);
    faults.fail = false;
    await db.flush();
    expect(await persistedBodies(name)).toEqual(['acknowledged']);
  });
});

describe('durability: relaxed and manual', () => {
  it('relaxed: resolves at once, persists within its delay, and on close()', async () => {
    const { db, name } = start({ durability: 'relaxed', relaxedDelayMs: 150 });
    await db.ready;
    await insert(db, 'soon');
    expect(await persistedBodies(name)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await persistedBodies(name)).toEqual(['soon']);
    await insert(db, 'at close');
    await db.close();
    expect(await persistedBodies(name)).toEqual(['soon', 'at close']);
  });

  it('manual: persists only on save(), and close() without one drops the writes as before', async () => {
    const { db, name } = start({ durability: 'manual' });
    await db.ready;
    await insert(db, 'saved');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await persistedBodies(name)).toEqual([]);
    await db.save();
    expect(await persistedBodies(name)).toEqual(['saved']);
    await insert(db, 'dropped');
    await db.close();
    expect(await persistedBodies(name)).toEqual(['saved']);
  });
});
