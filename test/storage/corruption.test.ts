/**
 * Corruption: one random byte of a stored chunk, manifest or head flipped, 1,000 times per adapter (disk:
 * any byte of any file in the store directory). Every flip is found by `verifyStore`, and no read ever
 * returns bytes other than the ones committed under the id it reports.
 */
import { describe, expect, it } from 'vitest';
import { isMoltError } from '../../src/engine/errors.ts';
import { createSnapshotStore, type SnapshotStore } from '../../src/storage/index.ts';
import { ADAPTERS, type AdapterUnderTest, makeDatabase, SMALL_CHUNKS, seededRandom } from './helpers.ts';

const FLIPS = 1000;
/** Independent stores damaged in parallel (each flip is undone before the next on the same store). */
const LANES = 4;

/** A store with three snapshots of a real database; returns each snapshot's committed bytes. */
async function seed(adapter: AdapterUnderTest): Promise<Map<string, Uint8Array>> {
  const conn = await makeDatabase(40);
  const store = createSnapshotStore(adapter.open(), SMALL_CHUNKS);
  const committed = new Map<string, Uint8Array>();
  for (const change of [
    'UPDATE notes SET stars = 1',
    "UPDATE notes SET title = 'x' WHERE id = 3",
    'DELETE FROM tags',
  ]) {
    const bytes = conn.export();
    committed.set((await store.saveSnapshot(bytes)).snapshot.id, bytes);
    conn.exec(change);
  }
  return committed;
}

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.compare(a, b) === 0;
}

/**
 * Reads must return committed bytes or refuse with corrupt-snapshot: the head (with its fallback) and
 * one snapshot by id. Returns whether either noticed the damage.
 */
async function checkReads(
  store: SnapshotStore,
  committed: Map<string, Uint8Array>,
  headId: string,
  byId: string,
): Promise<boolean> {
  let noticed = false;
  try {
    const head = await store.loadHead();
    expect(same(head?.bytes, committed.get(head!.snapshot.id))).toBe(true);
    noticed ||= head!.skipped.length > 0;
    if (head?.snapshot.id !== headId) expect(head?.skipped.length).toBeGreaterThan(0);
  } catch (error) {
    expect(isMoltError(error, 'corrupt-snapshot')).toBe(true);
    noticed = true;
  }
  try {
    expect(same((await store.loadSnapshot(byId)).bytes, committed.get(byId))).toBe(true);
  } catch (error) {
    expect(isMoltError(error, 'corrupt-snapshot')).toBe(true);
    noticed = true;
  }
  return noticed;
}

async function runLane(
  create: () => AdapterUnderTest,
  lane: number,
  flips: number,
): Promise<Record<string, number>> {
  const adapter = create();
  const committed = await seed(adapter);
  const headId = [...committed.keys()].at(-1)!;
  const items = await adapter.items();
  const random = seededRandom(0x5eed + lane);
  const stats: Record<string, number> = { flips: 0, noticedByReads: 0 };
  for (let i = 0; i < flips; i++) {
    const item = items[Math.floor(random() * items.length)]!;
    const original = await adapter.read(item);
    const damaged = original.slice();
    const offset = Math.floor(random() * damaged.length);
    damaged[offset]! ^= 1 + Math.floor(random() * 255);
    await adapter.write(item, damaged);

    const store = createSnapshotStore(adapter.open(), SMALL_CHUNKS);
    const report = await store.verifyStore();
    if (report.ok) throw new Error(`flip ${lane}/${i} of ${item}@${offset} was not detected`);
    const ids = [...committed.keys()];
    if (await checkReads(store, committed, headId, ids[i % ids.length]!)) stats.noticedByReads! += 1;
    stats.flips! += 1;
    const kind = item.split('/')[0]!.replace(/s$/, '');
    stats[kind] = (stats[kind] ?? 0) + 1;
    await store.close();

    await adapter.write(item, original);
  }
  expect((await createSnapshotStore(adapter.open(), SMALL_CHUNKS).verifyStore()).ok).toBe(true);
  await adapter.dispose();
  return stats;
}

describe.each(ADAPTERS)('corruption over $name', ({ create }) => {
  it(`detects every one of ${FLIPS} random byte flips and never returns damaged data`, async () => {
    const lanes = await Promise.all(
      Array.from({ length: LANES }, (_, lane) => runLane(create, lane, FLIPS / LANES)),
    );
    const total: Record<string, number> = {};
    for (const stats of lanes) for (const [k, v] of Object.entries(stats)) total[k] = (total[k] ?? 0) + v;
    expect(total.flips).toBe(FLIPS);
    // The flips hit every kind of stored item.
    expect(total.chunk).toBeGreaterThan(0);
    expect(total.manifest).toBeGreaterThan(0);
    expect((total.head ?? 0) + (total.HEAD ?? 0)).toBeGreaterThan(0);
  });
});
