/**
 * Snapshots saved from a source read in pieces and read back as a stream of chunks, over both adapters
 * (fake-indexeddb and a directory on disk): the same chunks and manifest as a save of the bytes, shared
 * with such snapshots, never more than a window of the file read at once, and verified on the way out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMoltError } from '../../src/engine/errors.ts';
import {
  type ByteSource,
  bytesSource,
  createSnapshotStore,
  type KvPort,
  type SnapshotStore,
  SOURCE_WINDOW_BYTES,
} from '../../src/storage/index.ts';
import { ADAPTERS, type AdapterUnderTest, countNotes, makeDatabase, SMALL_CHUNKS } from './helpers.ts';

/** A source that records the largest piece asked for, and reuses one buffer as a file source does. */
function recordingSource(bytes: Uint8Array): ByteSource & { largest: number; reads: number } {
  const buffer = new Uint8Array(SOURCE_WINDOW_BYTES);
  const source = {
    byteLength: bytes.length,
    largest: 0,
    reads: 0,
    async read(offset: number, length: number) {
      source.largest = Math.max(source.largest, length);
      source.reads++;
      buffer.set(bytes.subarray(offset, offset + length));
      return buffer.subarray(0, length);
    },
  };
  return source;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(new Uint8Array(part));
  return new Uint8Array(Buffer.concat(parts));
}

describe.each(ADAPTERS)('streamed snapshots over $name', ({ create }) => {
  let adapter: AdapterUnderTest;
  let store: SnapshotStore;
  const reopen = (port: KvPort = adapter.open()) => createSnapshotStore(port, SMALL_CHUNKS);

  beforeEach(() => {
    adapter = create();
    store = reopen();
  });
  afterEach(() => adapter.dispose());

  it('a save from a source is the snapshot a save of the bytes makes: same chunks and file hash', async () => {
    const bytes = (await makeDatabase(400, 3)).export();
    const fromSource = await store.saveSnapshot(bytesSource(bytes), { reason: 'pre-migrate' });
    const other = create();
    try {
      const fromBytes = await createSnapshotStore(other.open(), SMALL_CHUNKS).saveSnapshot(bytes, {
        reason: 'pre-migrate',
      });
      expect(fromSource.snapshot).toMatchObject({
        byteLength: fromBytes.snapshot.byteLength,
        fileHash: fromBytes.snapshot.fileHash,
        chunkCount: fromBytes.snapshot.chunkCount,
        userVersion: 3,
      });
      expect(fromSource.chunksWritten).toBe(fromBytes.chunksWritten);
    } finally {
      await other.dispose();
    }
    const loaded = await reopen().loadSnapshot(fromSource.snapshot.id);
    expect(loaded.bytes).toEqual(bytes);
  });

  it('dedups against snapshots saved from bytes: a second save of the same file writes no chunk', async () => {
    const conn = await makeDatabase(300);
    const bytes = conn.export();
    await store.saveSnapshot(bytes);
    const again = await reopen().saveSnapshot(bytesSource(bytes), { reason: 'pre-migrate' });
    expect(again.chunksWritten).toBe(0);
    conn.exec("UPDATE notes SET title = 'changed' WHERE id = 150");
    const changed = conn.export();
    const third = await reopen().saveSnapshot(bytesSource(changed));
    expect(third.chunksWritten).toBeGreaterThan(0);
    expect(third.chunksWritten).toBeLessThan(third.snapshot.chunkCount / 4);
    expect(await countNotes((await reopen().loadSnapshot(third.snapshot.id)).bytes)).toBe(300);
  });

  it('reads the source one window at a time', async () => {
    // Large enough for several windows of the default size.
    const bytes = new Uint8Array(SOURCE_WINDOW_BYTES * 2 + 12345);
    bytes.set((await makeDatabase(10, 7)).export().subarray(0, 4096));
    for (let i = 4096; i < bytes.length; i += 997) bytes[i] = i % 251;
    // Bytes where a later window's user_version would be: a source that reuses its buffer overwrites
    // the header, which the save must have copied.
    for (let w = 1; w * SOURCE_WINDOW_BYTES < bytes.length; w++) bytes[w * SOURCE_WINDOW_BYTES + 63] = 9;
    const source = recordingSource(bytes);
    // Chunks of 256 KiB: the window's bound is what is tested, not thousands of tiny writes.
    const large = { chunkSize: 256 * 1024, batchBytes: 1024 * 1024 };
    const saved = await createSnapshotStore(adapter.open(), large).saveSnapshot(source);
    expect(saved.snapshot.userVersion).toBe(7);
    expect(source.largest).toBeLessThanOrEqual(SOURCE_WINDOW_BYTES);
    expect(source.reads).toBeGreaterThanOrEqual(3);
    const read = await collect(createSnapshotStore(adapter.open(), large).readSnapshot(saved.snapshot.id));
    expect(Buffer.compare(read, bytes)).toBe(0);
  });

  it('reports progress up to the whole length', async () => {
    const bytes = (await makeDatabase(300)).export();
    const seen: [number, number][] = [];
    await store.saveSnapshot(
      bytesSource(bytes),
      {},
      { onProgress: (done, total) => seen.push([done, total]) },
    );
    expect(seen.at(-1)).toEqual([bytes.length, bytes.length]);
  });

  it('refuses a source that is not a SQLite database', async () => {
    const error = await store.saveSnapshot(bytesSource(new Uint8Array(4096))).catch((e: unknown) => e);
    expect(isMoltError(error, 'not-a-database')).toBe(true);
  });

  it('readSnapshot streams verified chunks that add up to the file', async () => {
    const bytes = (await makeDatabase(300)).export();
    const saved = await store.saveSnapshot(bytes);
    expect(await collect(reopen().readSnapshot(saved.snapshot.id))).toEqual(bytes);
  });

  it('readSnapshot stops with corrupt-snapshot at a damaged chunk', async () => {
    const bytes = (await makeDatabase(300)).export();
    const saved = await store.saveSnapshot(bytes);
    // Every stored value of a chunk's size is a chunk: flip a byte in each.
    for (const item of await adapter.items()) {
      const value = await adapter.read(item);
      if (value.length !== SMALL_CHUNKS.chunkSize) continue;
      value[100] = (value[100] ?? 0) ^ 0xff;
      await adapter.write(item, value);
    }
    const error = await collect(reopen().readSnapshot(saved.snapshot.id)).catch((e: unknown) => e);
    expect(isMoltError(error, 'corrupt-snapshot')).toBe(true);
  });
});
