/**
 * Fault injection at every write, not a sample: the port fails (throws) or the process stops (that write
 * and everything after it never happen, or the write happens and nothing after it). After a restart the
 * head is the old or the new snapshot, it verifies, and every snapshot committed before is intact.
 */
import { describe, expect, it } from 'vitest';
import { isMoltError } from '../../src/engine/errors.ts';
import { createSnapshotStore, type SnapshotStore } from '../../src/storage/index.ts';
import {
  ADAPTERS,
  type AdapterUnderTest,
  countingPort,
  type FaultMode,
  faultyPort,
  makeDatabase,
  SMALL_CHUNKS,
} from './helpers.ts';

const MODES: FaultMode[] = ['throw', 'stop-before', 'stop-after'];

/** Two committed snapshots (an older one and the head) and the bytes of a next save touching many chunks. */
async function fixture() {
  const conn = await makeDatabase(160);
  const older = conn.export();
  conn.exec('UPDATE notes SET stars = 1 WHERE id % 3 = 0');
  const head = conn.export();
  conn.exec('UPDATE notes SET stars = 2, title = title || ? WHERE id % 4 = 0', ['!']);
  const next = conn.export();
  return { older, head, next };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

/** A fresh store holding `older` and then `head`; returns their snapshot ids. */
async function seed(adapter: AdapterUnderTest, data: Fixture): Promise<{ olderId: string; headId: string }> {
  const store = createSnapshotStore(adapter.open(), SMALL_CHUNKS);
  const olderId = (await store.saveSnapshot(data.older)).snapshot.id;
  const headId = (await store.saveSnapshot(data.head)).snapshot.id;
  return { olderId, headId };
}

/** After a "restart": the head is one of `allowed`, verifies, and the committed snapshots are intact. */
async function expectConsistent(
  adapter: AdapterUnderTest,
  committed: Record<string, Uint8Array>,
  allowed: Uint8Array[],
): Promise<SnapshotStore> {
  const store = createSnapshotStore(adapter.open({ staleLockMs: 0 }), SMALL_CHUNKS);
  const head = await store.loadHead();
  expect(head?.skipped).toEqual([]);
  expect(allowed.some((bytes) => Buffer.from(bytes).equals(Buffer.from(head!.bytes)))).toBe(true);
  for (const [id, bytes] of Object.entries(committed))
    expect((await store.loadSnapshot(id)).bytes).toEqual(bytes);
  expect((await store.verifyStore()).ok).toBe(true);
  return store;
}

/** Runs `operation` against a port that fails at write `at`, waiting until the fault has happened. */
async function interrupt(
  adapter: AdapterUnderTest,
  at: number,
  mode: FaultMode,
  operation: (store: SnapshotStore) => Promise<unknown>,
): Promise<void> {
  const faulty = faultyPort(adapter.open(), at, mode);
  const store = createSnapshotStore(faulty.port, SMALL_CHUNKS);
  await store.loadHead();
  const outcome = operation(store).then(
    () => 'resolved',
    (error: unknown) => (isMoltError(error) ? error.code : error),
  );
  const first = await Promise.race([outcome, faulty.fault.then(() => 'fault')]);
  if (mode === 'throw') expect(await outcome).toBe('storage-error');
  else expect(first).toBe('fault');
}

/** Every (write, mode) pair, run a few at a time: each case has its own storage, and waits are I/O. */
async function forEachFault(
  writes: number,
  run: (at: number, mode: FaultMode) => Promise<void>,
): Promise<void> {
  const cases = Array.from({ length: writes }, (_, i) => MODES.map((mode) => [i + 1, mode] as const)).flat();
  const workers = Array.from({ length: 6 }, async () => {
    for (let next = cases.shift(); next; next = cases.shift()) await run(...next);
  });
  await Promise.all(workers);
}

async function countWrites(adapter: AdapterUnderTest, operation: (store: SnapshotStore) => Promise<unknown>) {
  const counting = countingPort(adapter.open());
  const store = createSnapshotStore(counting.port, SMALL_CHUNKS);
  await store.loadHead();
  await operation(store);
  return counting.writes();
}

describe.each(ADAPTERS)('fault injection over $name', ({ create }) => {
  it('a save interrupted at each of its writes keeps the old head or commits the new one', async () => {
    const data = await fixture();
    const probe = create();
    await seed(probe, data);
    const writes = await countWrites(probe, (store) => store.saveSnapshot(data.next));
    await probe.dispose();
    expect(writes).toBeGreaterThanOrEqual(3); // several chunk batches, then the commit

    await forEachFault(writes, async (at, mode) => {
      const adapter = create();
      const { olderId, headId } = await seed(adapter, data);
      await interrupt(adapter, at, mode, (store) => store.saveSnapshot(data.next));
      const committed = at === writes && mode === 'stop-after';
      const store = await expectConsistent(adapter, { [olderId]: data.older, [headId]: data.head }, [
        committed ? data.next : data.head,
      ]);
      // Life goes on: the next save commits, and collection removes what the interrupted one left.
      await store.saveSnapshot(data.next);
      expect(await store.collectGarbage()).toMatchObject({ kind: 'collected' });
      expect((await store.usage()).orphanChunks).toBe(0);
      expect((await store.verifyStore()).ok).toBe(true);
      await adapter.dispose();
    });
  });

  it('a one-row save, whose only write is the commit, keeps the old head or commits the new one', async () => {
    const data = await fixture();
    const conn = await makeDatabase(160);
    conn.exec('UPDATE notes SET stars = 1 WHERE id % 3 = 0');
    conn.exec('UPDATE notes SET stars = 9 WHERE id = 80');
    const oneRow = conn.export();
    const probe = create();
    await seed(probe, data);
    expect(await countWrites(probe, (store) => store.saveSnapshot(oneRow))).toBe(1);
    await probe.dispose();
    await forEachFault(1, async (at, mode) => {
      const adapter = create();
      const { olderId, headId } = await seed(adapter, data);
      await interrupt(adapter, at, mode, (store) => store.saveSnapshot(oneRow));
      await expectConsistent(adapter, { [olderId]: data.older, [headId]: data.head }, [
        mode === 'stop-after' ? oneRow : data.head,
      ]);
      await adapter.dispose();
    });
  });

  it('a restore interrupted at each of its writes keeps the old head or commits the restore', async () => {
    const data = await fixture();
    const probe = create();
    const ids = await seed(probe, data);
    const writes = await countWrites(probe, (store) => store.restoreSnapshot(ids.olderId));
    await probe.dispose();
    expect(writes).toBe(1); // a restore reuses stored chunks: its only write is the commit

    await forEachFault(writes, async (at, mode) => {
      const adapter = create();
      const { olderId, headId } = await seed(adapter, data);
      await interrupt(adapter, at, mode, (store) => store.restoreSnapshot(olderId));
      const committed = mode === 'stop-after';
      await expectConsistent(adapter, { [olderId]: data.older, [headId]: data.head }, [
        committed ? data.older : data.head,
      ]);
      await adapter.dispose();
    });
  });

  it('prune and collection interrupted at each of their writes never damage a kept snapshot', async () => {
    const data = await fixture();
    const run = async (store: SnapshotStore) => {
      await store.prune({ keepSaves: 1 });
      await store.collectGarbage();
    };
    const probe = create();
    await seed(probe, data);
    await createSnapshotStore(probe.open(), SMALL_CHUNKS).saveSnapshot(data.next);
    const writes = await countWrites(probe, run);
    await probe.dispose();
    expect(writes).toBeGreaterThanOrEqual(3); // two manifest deletions, then the chunk deletion

    await forEachFault(writes, async (at, mode) => {
      const adapter = create();
      await seed(adapter, data);
      const last = await createSnapshotStore(adapter.open(), SMALL_CHUNKS).saveSnapshot(data.next);
      await interrupt(adapter, at, mode, run);
      const store = await expectConsistent(adapter, { [last.snapshot.id]: data.next }, [data.next]);
      await run(store);
      expect((await store.verifyStore()).ok).toBe(true);
      expect((await store.listSnapshots()).map((s) => s.id)).toEqual([last.snapshot.id]);
      await adapter.dispose();
    });
  });
});
