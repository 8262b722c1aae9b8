/**
 * The snapshot store's behaviour, run over both adapters: fake-indexeddb and a directory on disk.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMoltError, MoltError } from '../../src/engine/errors.ts';
import { createSnapshotStore, type KvPort, type SnapshotStore } from '../../src/storage/index.ts';
import {
  ADAPTERS,
  type AdapterUnderTest,
  countingPort,
  countNotes,
  makeDatabase,
  SMALL_CHUNKS,
} from './helpers.ts';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMoltError(error) ? error.code : error).toBe(code);
}

describe.each(ADAPTERS)('snapshot store over $name', ({ create }) => {
  let adapter: AdapterUnderTest;
  let store: SnapshotStore;
  const reopen = (port: KvPort = adapter.open()) => createSnapshotStore(port, SMALL_CHUNKS);

  beforeEach(() => {
    adapter = create();
    store = reopen();
  });
  afterEach(() => adapter.dispose());

  it('saves a real database and loads it back, verified, after a restart', async () => {
    const conn = await makeDatabase(300, 7);
    const bytes = conn.export();
    const saved = await store.saveSnapshot(bytes, { appVersion: '1.2.0', schemaHash: 'abc' });
    expect(saved.generation).toBe(1);
    expect(saved.snapshot).toMatchObject({
      reason: 'save',
      byteLength: bytes.length,
      chunkSize: 4096,
      chunkCount: Math.ceil(bytes.length / 4096),
      userVersion: 7,
      appVersion: '1.2.0',
      schemaHash: 'abc',
      generation: 1,
    });
    expect(saved.snapshot.fileHash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(saved.snapshot.createdAt)).not.toBeNaN();

    const head = await reopen().loadHead();
    expect(head?.bytes).toEqual(bytes);
    expect(head?.skipped).toEqual([]);
    expect(head?.generation).toBe(1);
    expect(await countNotes(head!.bytes)).toBe(300);
  });

  it('reports an empty store as no head', async () => {
    expect(await store.loadHead()).toBeUndefined();
    expect(await store.listSnapshots()).toEqual([]);
    expect((await store.verifyStore()).ok).toBe(true);
  });

  it('refuses bytes that are not a SQLite database, leaving the head as it was', async () => {
    const bytes = (await makeDatabase(10)).export();
    await store.saveSnapshot(bytes);
    const notDb = new TextEncoder().encode('SQLite format 2\0'.padEnd(4096, 'x'));
    await expectCode(store.saveSnapshot(notDb), 'not-a-database');
    await expectCode(store.saveSnapshot(new Uint8Array(0)), 'not-a-database');
    await expectCode(store.saveSnapshot(bytes.slice(0, 50)), 'not-a-database');
    expect((await reopen().loadHead())?.bytes).toEqual(bytes);
    expect(await store.listSnapshots()).toHaveLength(1);
  });

  it('writes only the changed chunks after a one-row change, with or without the previous image', async () => {
    const conn = await makeDatabase(400);
    const first = await store.saveSnapshot(conn.export());
    expect(first.chunksWritten).toBe(first.snapshot.chunkCount);

    conn.exec('UPDATE notes SET stars = 5 WHERE id = 200');
    const bytes = conn.export();
    const counting = countingPort(adapter.open());
    const worker = createSnapshotStore(counting.port, SMALL_CHUNKS);
    await worker.loadHead();
    const second = await worker.saveSnapshot(bytes);
    expect(counting.writes()).toBe(1); // the changed chunks travel inside the one commit
    expect(second.chunksWritten).toBeGreaterThan(0);
    expect(second.chunksWritten).toBeLessThanOrEqual(3);
    expect(second.bytesWritten).toBeLessThan(bytes.length / 5);

    conn.exec('UPDATE notes SET stars = 6 WHERE id = 10');
    const fresh = reopen();
    await fresh.loadHead(); // a restarted store: the image comes from loadHead
    const third = await fresh.saveSnapshot(conn.export());
    expect(third.chunksWritten).toBeLessThanOrEqual(3);

    conn.exec('UPDATE notes SET stars = 7 WHERE id = 11');
    const noImage = reopen(); // never loaded: hashes everything, still writes only what is missing
    const fourth = await noImage.saveSnapshot(conn.export());
    expect(fourth.chunksWritten).toBeLessThanOrEqual(3);
    expect((await reopen().loadHead())?.bytes).toEqual(conn.export());
    expect((await store.usage()).orphanChunks).toBe(0);
  });

  it('refuses a save over a head another writer moved (stale-head), keeping the other write', async () => {
    const conn = await makeDatabase(50);
    await store.saveSnapshot(conn.export());
    const tabA = reopen();
    const tabB = reopen();
    await tabA.loadHead();
    await tabB.loadHead();
    conn.exec('UPDATE notes SET stars = 1');
    const a = await tabA.saveSnapshot(conn.export());
    conn.exec('UPDATE notes SET stars = 2');
    await expectCode(tabB.saveSnapshot(conn.export()), 'stale-head');
    const head = await reopen().loadHead();
    expect(head?.snapshot.id).toBe(a.snapshot.id);
    await expectCode(reopen().saveSnapshot(conn.export(), {}, { expectedGeneration: 1 }), 'stale-head');
    const explicit = await reopen().saveSnapshot(conn.export(), {}, { expectedGeneration: a.generation });
    expect(explicit.generation).toBe(a.generation + 1);
  });

  it('records a pre-migrate snapshot of the head without writing a chunk', async () => {
    const conn = await makeDatabase(100);
    await store.saveSnapshot(conn.export());
    const worker = reopen();
    const loaded = await worker.loadHead();
    const chunksBefore = (await worker.usage()).chunks;
    const pre = await worker.snapshotHead('pre-migrate');
    expect(pre.chunksWritten).toBe(0);
    expect(pre.bytesWritten).toBeLessThan(4096);
    expect(pre.snapshot).toMatchObject({
      reason: 'pre-migrate',
      sourceId: loaded?.snapshot.id,
      generation: 2,
    });
    expect((await worker.usage()).chunks).toBe(chunksBefore);
    expect((await worker.verifySnapshot(pre.snapshot.id)).kind).toBe('verified');
    conn.exec('ALTER TABLE notes ADD COLUMN color TEXT');
    const after = await worker.saveSnapshot(conn.export());
    expect(after.generation).toBe(3);
    const list = await worker.listSnapshots();
    expect(list.map((s) => s.reason)).toEqual(['save', 'pre-migrate', 'save']);
    expect(list[0]?.isHead).toBe(true);
    expect((await worker.loadSnapshot(pre.snapshot.id)).bytes).toEqual(loaded?.bytes);
  });

  it('refuses a pre-migrate snapshot when the head moved or does not exist', async () => {
    await expectCode(store.snapshotHead('pre-migrate'), 'snapshot-not-found');
    const conn = await makeDatabase(20);
    await store.saveSnapshot(conn.export());
    const stale = reopen();
    await stale.loadHead();
    await store.saveSnapshot(conn.export());
    await expectCode(stale.snapshotHead('pre-migrate'), 'stale-head');
  });

  it('restores a snapshot as a new head with reason restore, and can undo the restore', async () => {
    const conn = await makeDatabase(100);
    const a = conn.export();
    const first = await store.saveSnapshot(a);
    conn.exec('DELETE FROM notes WHERE id > 10');
    const b = conn.export();
    const second = await store.saveSnapshot(b);

    const restored = await store.restoreSnapshot(first.snapshot.id);
    expect(restored.bytes).toEqual(a);
    expect(restored.snapshot).toMatchObject({
      reason: 'restore',
      sourceId: first.snapshot.id,
      generation: 3,
    });
    expect(restored.chunksWritten).toBe(0);
    expect((await reopen().loadHead())?.bytes).toEqual(a);

    const undone = await store.restoreSnapshot(second.snapshot.id);
    expect(undone.bytes).toEqual(b);
    expect(await countNotes((await reopen().loadHead())!.bytes)).toBe(10);
    expect((await store.listSnapshots()).map((s) => s.reason)).toEqual([
      'restore',
      'restore',
      'save',
      'save',
    ]);
  });

  it('refuses to restore a snapshot that fails verification, keeping the head', async () => {
    const conn = await makeDatabase(100);
    const first = await store.saveSnapshot(conn.export());
    conn.exec('UPDATE notes SET title = upper(title)');
    const second = await store.saveSnapshot(conn.export());
    const onlyInFirst = await chunkOnlyIn(adapter, first.snapshot.id, second.snapshot.id);
    await damage(adapter, onlyInFirst);
    await expectCode(store.restoreSnapshot(first.snapshot.id), 'corrupt-snapshot');
    expect((await reopen().loadHead())?.snapshot.id).toBe(second.snapshot.id);
    await expectCode(store.restoreSnapshot('000009-deadbeef'), 'snapshot-not-found');
  });

  it('falls back to the newest snapshot that verifies, reports what it skipped, and heals on the next save', async () => {
    const conn = await makeDatabase(100);
    const first = await store.saveSnapshot(conn.export());
    conn.exec('UPDATE notes SET body = NULL WHERE id < 50');
    const secondBytes = conn.export();
    const second = await store.saveSnapshot(secondBytes);
    const onlyInSecond = await chunkOnlyIn(adapter, second.snapshot.id, first.snapshot.id);
    await damage(adapter, onlyInSecond);

    const worker = reopen();
    const head = await worker.loadHead();
    expect(head?.snapshot.id).toBe(first.snapshot.id);
    expect(head?.skipped).toEqual([
      {
        id: second.snapshot.id,
        problems: [expect.objectContaining({ kind: 'chunk-corrupt', hash: onlyInSecond })],
      },
    ]);
    expect(head?.generation).toBe(2);
    await expectCode(worker.loadSnapshot(second.snapshot.id), 'corrupt-snapshot');
    expect(await worker.verifySnapshot(second.snapshot.id)).toMatchObject({ kind: 'corrupt' });

    // The app saves the same data again: the damaged chunk is rewritten, not trusted.
    const healed = await worker.saveSnapshot(secondBytes);
    expect((await reopen().loadHead())?.snapshot.id).toBe(healed.snapshot.id);
    expect((await reopen().verifySnapshot(second.snapshot.id)).kind).toBe('verified');
  });

  it('throws corrupt-snapshot when no snapshot verifies, and snapshot-not-found for unknown ids', async () => {
    const conn = await makeDatabase(30);
    const saved = await store.saveSnapshot(conn.export());
    const hash = (await chunkOnlyIn(adapter, saved.snapshot.id, null)) as string;
    await damage(adapter, hash);
    await expectCode(reopen().loadHead(), 'corrupt-snapshot');
    await expectCode(store.loadSnapshot('000001-00000000'), 'snapshot-not-found');
    await expectCode(store.verifySnapshot('000001-00000000'), 'snapshot-not-found');
    await expectCode(store.deleteSnapshot('000001-00000000'), 'snapshot-not-found');
    // An id is never a path: nothing outside the store is read or removed.
    await expectCode(store.loadSnapshot('../HEAD'), 'snapshot-not-found');
    await expectCode(store.restoreSnapshot('../../app.db'), 'snapshot-not-found');
    await expectCode(store.deleteSnapshot('../HEAD'), 'snapshot-not-found');
  });

  it('deletes snapshots but never the head or the newest one that verifies', async () => {
    const conn = await makeDatabase(60);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      conn.exec(`UPDATE notes SET stars = ${i}`);
      ids.push((await store.saveSnapshot(conn.export())).snapshot.id);
    }
    await expectCode(store.deleteSnapshot(ids[2]!), 'invalid-argument');
    await damage(adapter, (await chunkOnlyIn(adapter, ids[2]!, ids[1]!)) as string);
    await expectCode(store.deleteSnapshot(ids[1]!), 'invalid-argument');
    await store.deleteSnapshot(ids[0]!);
    expect((await store.listSnapshots()).map((s) => s.id)).toEqual([ids[2], ids[1]]);
  });

  it('prunes by reason with the documented defaults, then collects the orphaned chunks', async () => {
    const conn = await makeDatabase(60);
    const saves: string[] = [];
    const pres: string[] = [];
    for (let i = 0; i < 7; i++) {
      conn.exec(`UPDATE notes SET stars = ${i} WHERE id = ${i + 1}`);
      saves.push((await store.saveSnapshot(conn.export())).snapshot.id);
      pres.push((await store.snapshotHead('pre-migrate')).snapshot.id);
    }
    const manual = (await store.saveSnapshot(conn.export(), { reason: 'manual' })).snapshot.id;
    const result = await store.prune();
    expect(new Set(result.kept)).toEqual(new Set([manual, ...pres.slice(2), ...saves.slice(4)]));
    expect(result.newestVerified).toBe(manual);
    const collected = await store.collectGarbage();
    expect(collected).toMatchObject({ kind: 'collected' });
    expect(collected.kind === 'collected' && collected.deletedChunks).toBeGreaterThan(0);
    const report = await reopen().verifyStore();
    expect(report.ok).toBe(true);
    expect((await store.usage()).orphanChunks).toBe(0);
    for (const id of result.kept) expect((await store.verifySnapshot(id)).kind).toBe('verified');
  });

  it('prune keeps the head and the newest snapshot that verifies even with a zero policy', async () => {
    const conn = await makeDatabase(60);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      conn.exec(`UPDATE notes SET title = 'x${i}' WHERE id < 30`);
      ids.push((await store.saveSnapshot(conn.export())).snapshot.id);
    }
    await damage(adapter, (await chunkOnlyIn(adapter, ids[3]!, ids[2]!)) as string);
    // A fresh store reads the snapshots back; so does one that saw the damage (its load fell back).
    const sawDamage = reopen();
    expect((await sawDamage.loadHead())?.snapshot.id).toBe(ids[2]);
    for (const pruner of [reopen(), sawDamage]) {
      const result = await pruner.prune({ keepSaves: 0, keepPreMigrate: 0, keepManual: 0 });
      expect(new Set(result.kept)).toEqual(new Set([ids[3], ids[2]]));
      expect(result.newestVerified).toBe(ids[2]);
    }
    await store.collectGarbage();
    expect((await reopen().loadHead())?.snapshot.id).toBe(ids[2]);
  });

  it('prune trusts what this store verified itself instead of reading the database back', async () => {
    const conn = await makeDatabase(60);
    await store.saveSnapshot(conn.export());
    conn.exec('UPDATE notes SET stars = 2');
    await store.saveSnapshot(conn.export());
    const counting = countingPort(adapter.open());
    let chunkReads = 0;
    const port: KvPort = {
      ...counting.port,
      readChunks: (hashes) => {
        chunkReads += hashes.length;
        return counting.port.readChunks(hashes);
      },
    };
    const worker = createSnapshotStore(port, SMALL_CHUNKS);
    await worker.loadHead();
    const readsAfterLoad = chunkReads;
    conn.exec('UPDATE notes SET stars = 3 WHERE id = 1');
    await worker.saveSnapshot(conn.export());
    expect((await worker.prune({ keepSaves: 1 })).deleted).toHaveLength(2);
    expect(chunkReads).toBe(readsAfterLoad);
  });

  it('does not collect chunks while a manifest is unreadable', async () => {
    const conn = await makeDatabase(40);
    const first = await store.saveSnapshot(conn.export());
    conn.exec('UPDATE notes SET stars = 9');
    await store.saveSnapshot(conn.export());
    await damageManifest(adapter, first.snapshot.id);
    expect(await store.collectGarbage()).toMatchObject({
      kind: 'skipped-unreadable-manifests',
      ids: [first.snapshot.id],
    });
  });

  it('rewrites a chunk that a concurrent collection removed between the check and the commit', async () => {
    const conn = await makeDatabase(80);
    const first = await store.saveSnapshot(conn.export());
    conn.exec('UPDATE notes SET stars = 3 WHERE id IN (5, 40, 75)');
    const second = await store.saveSnapshot(conn.export());
    expect(second.chunksWritten).toBeGreaterThan(1);
    await store.restoreSnapshot(first.snapshot.id);
    await store.deleteSnapshot(second.snapshot.id);
    // second's changed chunks are orphans now; a save of second's bytes finds them stored and skips them.
    const collector = reopen();
    const port = adapter.open();
    let commits = 0;
    const racing: KvPort = {
      ...port,
      commit: async (request) => {
        if (++commits > 1) return port.commit(request);
        const collected = await collector.collectGarbage();
        expect(collected.kind === 'collected' && collected.deletedChunks).toBeGreaterThan(0);
        return port.commit(request);
      },
    };
    // One chunk per batch: two changed chunks go through the check-then-write path, not the commit.
    const saver = createSnapshotStore(racing, { chunkSize: 4096, batchBytes: 4096 });
    await saver.loadHead();
    const saved = await saver.saveSnapshot(conn.export());
    expect(commits).toBe(2);
    expect(saved.chunksWritten).toBeGreaterThan(0);
    expect((await reopen().loadHead())?.bytes).toEqual(conn.export());
    expect((await reopen().verifyStore()).ok).toBe(true);
  });

  it('keeps the head when storage is full (quota-exceeded from the adapter)', async () => {
    const conn = await makeDatabase(50);
    const first = await store.saveSnapshot(conn.export());
    const port = adapter.open();
    const refuse = async (): Promise<never> => {
      throw new MoltError('quota-exceeded', 'full', { usage: 1, quota: 1 });
    };
    const full: KvPort = { ...port, writeChunks: refuse, commit: refuse };
    conn.exec('UPDATE notes SET body = upper(body)');
    await expectCode(createSnapshotStore(full, SMALL_CHUNKS).saveSnapshot(conn.export()), 'quota-exceeded');
    expect((await reopen().loadHead())?.snapshot.id).toBe(first.snapshot.id);
  });

  it('reports usage of manifests and chunks', async () => {
    const conn = await makeDatabase(60);
    const saved = await store.saveSnapshot(conn.export());
    const usage = await store.usage();
    expect(usage.snapshots).toBe(1);
    expect(usage.chunks).toBe(new Set(await chunkList(adapter, saved.snapshot.id)).size);
    expect(usage.chunkBytes).toBeLessThanOrEqual(saved.snapshot.byteLength);
    expect(usage.manifestBytes).toBeGreaterThan(0);
    expect(usage.orphanChunks).toBe(0);
  });
});

/** The chunk list of a snapshot, from its manifest as stored. */
async function chunkList(adapter: AdapterUnderTest, id: string): Promise<string[]> {
  const item = (await adapter.items()).find(
    (name) => name.endsWith(`manifest/${id}`) || name.endsWith(`manifests/${id}`),
  );
  const text = new TextDecoder().decode(await adapter.read(item!));
  return JSON.parse(text.slice(0, text.lastIndexOf('\nsha256 '))).chunks;
}

/** A chunk of snapshot `id` that snapshot `other` does not share. */
async function chunkOnlyIn(
  adapter: AdapterUnderTest,
  id: string,
  other: string | null,
): Promise<string | undefined> {
  const theirs = new Set(other ? await chunkList(adapter, other) : []);
  return (await chunkList(adapter, id)).find((hash) => !theirs.has(hash));
}

/** Flips one byte of the stored chunk `hash`. */
async function damage(adapter: AdapterUnderTest, hash: string | undefined): Promise<void> {
  const item = (await adapter.items()).find((name) => name.endsWith(hash!));
  const bytes = await adapter.read(item!);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
  await adapter.write(item!, bytes);
}

async function damageManifest(adapter: AdapterUnderTest, id: string): Promise<void> {
  const item = (await adapter.items()).find(
    (name) => name.endsWith(`manifest/${id}`) || name.endsWith(`manifests/${id}`),
  );
  const bytes = await adapter.read(item!);
  bytes[10]! ^= 0x01;
  await adapter.write(item!, bytes);
}
