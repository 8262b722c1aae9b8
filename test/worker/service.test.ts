/**
 * The worker service in Node: called through Comlink over a MessageChannel (as the client calls it),
 * with the real engine, real sql.js and the snapshot store over fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenDatabaseOptions, openDatabase } from '../../src/client/index.ts';
import { isMoltError } from '../../src/engine/errors.ts';
import type { Migration } from '../../src/engine/index.ts';
import { loadSqlJs } from '../../src/sqlite/sql-js.ts';
import { createIndexedDbPort, createSnapshotStore } from '../../src/storage/index.ts';
import { forComlink } from '../../src/worker/serve.ts';
import { createService, type ServeOptions } from '../../src/worker/service.ts';
import { createFakeLocks } from '../support/fake-locks.ts';

const createLocks = () => createFakeLocks().client();

let counter = 0;
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
});

function start(
  options: ServeOptions,
  name = `db${++counter}`,
  locks = createLocks(),
  open: Partial<OpenDatabaseOptions> = {},
) {
  const messages: unknown[] = [];
  const service = createService({
    options,
    loadSqlite: () => loadSqlJs(),
    openStore: (n) => createSnapshotStore(createIndexedDbPort(n)),
    locks,
    broadcast: (_channel, message) => messages.push(message),
  });
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(forComlink(service), port1);
  const db = openDatabase({ name, worker: port2, ...open });
  opened.push(db);
  return { db, name, messages, locks, port1 };
}

const V1: Migration[] = [
  { id: '0001', up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);' },
];
const V2_SCHEMA =
  'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0);';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return isMoltError(error) ? error.code : `not a MoltError: ${String(error)}`;
  }
}

describe('worker service over Comlink', () => {
  it('creates, migrates, queries, saves, and finds it all again after reopening', async () => {
    const first = start({ migrations: V1 });
    expect((await first.db.ready).status).toBe('created');
    await first.db.exec("INSERT INTO notes (body) VALUES ('hello'), ('world')");
    const saved = await first.db.save();
    expect(saved.snapshot.reason).toBe('save');
    await first.db.close();

    const second = start({ migrations: V1, schema: V2_SCHEMA }, first.name);
    const report = await second.db.ready;
    expect(report.status).toBe('migrated');
    expect(report.preMigrateSnapshot).not.toBeNull();
    expect(report.migration?.plan?.steps.map((s) => s.kind)).toEqual(['add-column']);
    expect(await second.db.query('SELECT body, pinned FROM notes ORDER BY id')).toEqual([
      { body: 'hello', pinned: 0 },
      { body: 'world', pinned: 0 },
    ]);
    const reasons = (await second.db.snapshots.list()).map((s) => s.reason);
    expect(reasons.slice(0, 2)).toEqual(['save', 'pre-migrate']);
    expect(second.messages).toMatchObject([{ type: 'schema-changed', reason: 'migrate' }]);
  });

  it('runs a transaction all or nothing, and names the statement that failed', async () => {
    const a = start({ migrations: V1 });
    await a.db.ready;
    const error = await a.db
      .transaction([
        { sql: "INSERT INTO notes (body) VALUES ('kept out')" },
        { sql: 'INSERT INTO nope VALUES (1)' },
      ])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'sqlite-error', details: { statementIndex: 1 } });
    expect(await a.db.query('SELECT count(*) AS n FROM notes')).toEqual([{ n: 0 }]);
    await a.db.close();
  });

  it('sends errors across with their codes: schema-invalid, blocked, checksum-mismatch, locked', async () => {
    expect(await codeOf(start({ schema: 'CREATE TABLEX nope (x);' }).db.ready)).toBe('schema-invalid');

    const a = start({ migrations: V1 });
    await a.db.ready;
    await a.db.exec("INSERT INTO notes (body) VALUES ('keep me')");
    await a.db.save();
    await a.db.close();
    const blocked = start({ migrations: V1, schema: 'CREATE TABLE other (x);' }, a.name);
    expect(await codeOf(blocked.db.ready)).toBe('blocked');
    expect(await blocked.db.query('SELECT body FROM notes')).toEqual([{ body: 'keep me' }]);
    await blocked.db.close();
    const edited = start({ migrations: [{ id: '0001', up: `${V1[0]!.up} ` }] }, a.name);
    expect(await codeOf(edited.db.ready)).toBe('checksum-mismatch');
    await edited.db.close();

    const locks = createLocks();
    let release!: () => void;
    void locks.request(
      `molt:${a.name}`,
      { mode: 'exclusive' },
      () => new Promise<void>((r) => (release = r)),
    );
    const waiting = createService({
      options: { migrations: V1 },
      loadSqlite: () => loadSqlJs(),
      openStore: (n) => createSnapshotStore(createIndexedDbPort(n)),
      locks,
      broadcast: () => undefined,
    });
    const outcome = await waiting.open({ name: a.name, lockTimeoutMs: 50 });
    expect(outcome.ok ? 'no error' : outcome.error.code).toBe('locked');
    release();
  });

  // Two writers that do not coordinate (each its own lock manager, as another program would be): the
  // compare-and-swap on the head refuses the second, which drops its write and reads the head again.
  it('refuses a write over a head another writer moved (stale-head) and loses nothing', async () => {
    const a = start({ migrations: V1 });
    await a.db.ready;
    const b = start({ migrations: V1 }, a.name);
    await b.db.ready;
    await a.db.exec("INSERT INTO notes (body) VALUES ('from a')");
    expect(await codeOf(b.db.exec("INSERT INTO notes (body) VALUES ('from b')"))).toBe('stale-head');
    expect(await b.db.query('SELECT body FROM notes')).toEqual([{ body: 'from a' }]);
    await b.db.exec("INSERT INTO notes (body) VALUES ('b again')");
    await a.db.close();
    const c = start({ migrations: V1 }, a.name);
    await c.db.ready;
    expect(await c.db.query('SELECT body FROM notes')).toEqual([{ body: 'from a' }, { body: 'b again' }]);
  });

  it('keeps manual writes until save(), which a moved head refuses (stale-head)', async () => {
    const a = start({ migrations: V1 }, undefined, undefined, { durability: 'manual' });
    await a.db.ready;
    const b = start({ migrations: V1 }, a.name, undefined, { durability: 'manual' });
    await b.db.ready;
    await a.db.exec("INSERT INTO notes (body) VALUES ('from a')");
    await a.db.save();
    await b.db.exec("INSERT INTO notes (body) VALUES ('from b')");
    expect(await codeOf(b.db.save())).toBe('stale-head');
    await a.db.close();
    const c = start({ migrations: V1 }, a.name);
    await c.db.ready;
    expect(await c.db.query('SELECT body FROM notes')).toEqual([{ body: 'from a' }]);
  });

  it('exports, imports and restores snapshots', async () => {
    const a = start({ migrations: V1 });
    await a.db.ready;
    await a.db.exec("INSERT INTO notes (body) VALUES ('one')");
    const first = await a.db.save();
    await a.db.exec("INSERT INTO notes (body) VALUES ('two')");
    await a.db.save();
    const bytes = await a.db.snapshots.export(first.snapshot.id);
    expect(new TextDecoder().decode(bytes.slice(0, 15))).toBe('SQLite format 3');
    expect((await a.db.snapshots.verify(first.snapshot.id)).kind).toBe('verified');
    const restored = await a.db.snapshots.restore(first.snapshot.id);
    expect(restored.reason).toBe('restore');
    expect(await a.db.query('SELECT count(*) AS n FROM notes')).toEqual([{ n: 1 }]);
    expect(await codeOf(a.db.import(new TextEncoder().encode('not a database at all, really')))).toBe(
      'not-a-database',
    );
    const imported = await a.db.import(bytes);
    expect(imported.reason).toBe('manual');
  });

  it('reports health with the snapshot and storage checks', async () => {
    const a = start({
      migrations: V1,
      schema: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);',
    });
    await a.db.ready;
    await a.db.save();
    const report = await a.db.health();
    expect(report.score).toBe(100);
    expect(report.checks.map((c) => c.name)).toEqual([
      'integrity',
      'foreignKeys',
      'ledger',
      'pending',
      'drift',
      'snapshot',
      'storage',
    ]);
  });
});
