/**
 * The disk adapter's own guarantees: a commit is atomic across every file operation it makes (each one
 * failing or never happening), HEAD carries the head manifest, the lock works across "processes", and a
 * full disk is `quota-exceeded`.
 */

import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import * as realFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isMoltError } from '../../src/engine/errors.ts';
import {
  createDiskPort,
  createSnapshotStore,
  type DiskFileHandle,
  type DiskFs,
  storeDirectoryFor,
} from '../../src/storage/index.ts';
import { makeDatabase, SMALL_CHUNKS } from './helpers.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tempStore(): string {
  const root = mkdtempSync(join(tmpdir(), 'molt-disk-'));
  roots.push(root);
  return storeDirectoryFor(join(root, 'app.db'));
}

const open = (dir: string, fs: DiskFs = realFs) =>
  createSnapshotStore(createDiskPort(dir, fs, { staleLockMs: 0 }), SMALL_CHUNKS);

/**
 * An fs whose `at`-th mutating operation (writes, fsyncs, renames, unlinks, mkdir, rmdir) throws EIO, or
 * "stops the process": it and every later call never return.
 */
function faultyFs(at: number, mode: 'throw' | 'stop') {
  let count = 0;
  let stopped = false;
  const log: string[] = [];
  let reached: () => void = () => undefined;
  const fault = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const never = new Promise<never>(() => undefined);
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    if (stopped) return never;
    log.push(name);
    if (++count !== at) return run();
    reached();
    if (mode === 'stop') {
      stopped = true;
      return never;
    }
    throw Object.assign(new Error(`EIO injected at ${name}`), { code: 'EIO' });
  };
  const read = <T>(run: () => Promise<T>) => (stopped ? never : run());
  const wrapHandle = (handle: DiskFileHandle, path: string): DiskFileHandle => ({
    writeFile: (data) => step(`write ${path}`, () => handle.writeFile(data)),
    sync: () => step(`sync ${path}`, () => handle.sync()),
    close: () => read(() => handle.close()),
  });
  const fs: DiskFs = {
    readFile: (path) => read(() => realFs.readFile(path)),
    readdir: (path) => read(() => realFs.readdir(path)),
    stat: (path) => read(() => realFs.stat(path)),
    open: async (path, flags) => {
      const handle =
        flags === 'r'
          ? await read(() => realFs.open(path, flags))
          : await step(`create ${path}`, () => realFs.open(path, flags));
      return wrapHandle(handle, path);
    },
    rename: (from, to) => step(`rename ${to}`, () => realFs.rename(from, to)),
    unlink: (path) => step(`unlink ${path}`, () => realFs.unlink(path)),
    mkdir: (path, options) => step(`mkdir ${path}`, () => realFs.mkdir(path, options)),
    rmdir: (path) => step(`rmdir ${path}`, () => realFs.rmdir(path)),
  };
  return { fs, fault, log, count: () => count };
}

describe('disk adapter', () => {
  it('keeps a consistent store when any file operation of a save fails or never happens', async () => {
    const conn = await makeDatabase(60);
    const before = conn.export();
    conn.exec('UPDATE notes SET stars = 4 WHERE id IN (7, 50)');
    const after = conn.export();
    const seed = async () => {
      const dir = tempStore();
      const id = (await open(dir).saveSnapshot(before)).snapshot.id;
      return { dir, id };
    };

    const probe = await seed();
    const counting = faultyFs(Number.POSITIVE_INFINITY, 'throw');
    const probeStore = open(probe.dir, counting.fs);
    await probeStore.loadHead();
    await probeStore.saveSnapshot(after);
    const headRename = counting.log.findIndex((op) => /rename .*\/HEAD$/.test(op)) + 1;
    expect(headRename).toBeGreaterThan(0);
    expect(counting.count()).toBeGreaterThan(10);

    const cases = Array.from({ length: counting.count() }, (_, i) =>
      (['throw', 'stop'] as const).map((mode): [number, 'throw' | 'stop'] => [i + 1, mode]),
    ).flat();
    const runCase = async (at: number, mode: 'throw' | 'stop') => {
      const { dir, id } = await seed();
      const faulty = faultyFs(at, mode);
      const store = open(dir, faulty.fs);
      await store.loadHead();
      const outcome = store.saveSnapshot(after).then(
        () => 'resolved',
        (e: unknown) => (isMoltError(e) ? e.code : e),
      );
      await Promise.race([outcome, faulty.fault]);
      if (mode === 'throw') expect(['resolved', 'storage-error']).toContain(await outcome);

      const reopened = open(dir);
      const head = await reopened.loadHead();
      expect(head?.skipped).toEqual([]);
      // The rename of HEAD is the commit point; a save never reports success without it. (A failing
      // fsync after the rename is reported as a failure: the commit may not be durable.)
      const committed = at > headRename;
      if (mode === 'throw' && (await outcome) === 'resolved') expect(committed).toBe(true);
      expect(Buffer.from(head!.bytes).equals(committed ? after : before)).toBe(true);
      if (committed) expect(Buffer.from((await reopened.loadSnapshot(id)).bytes).equals(before)).toBe(true);
      expect((await reopened.verifyStore()).ok).toBe(true);
    };
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let next = cases.shift(); next; next = cases.shift()) await runCase(...next);
      }),
    );
  });

  it('serves the head manifest from HEAD when its own file was never written, then writes it', async () => {
    const dir = tempStore();
    const conn = await makeDatabase(30);
    const saved = await open(dir).saveSnapshot(conn.export());
    rmSync(join(dir, 'manifests', saved.snapshot.id));
    const store = open(dir);
    expect((await store.loadHead())?.snapshot.id).toBe(saved.snapshot.id);
    expect((await store.listSnapshots()).map((s) => s.id)).toEqual([saved.snapshot.id]);
    conn.exec('UPDATE notes SET stars = 1');
    await store.saveSnapshot(conn.export());
    expect((await realFs.readdir(join(dir, 'manifests'))).sort()).toContain(saved.snapshot.id);
    expect((await store.verifyStore()).ok).toBe(true);
  });

  it('lets exactly one of two racing writers commit; the other gets stale-head', async () => {
    const dir = tempStore();
    const conn = await makeDatabase(30);
    await open(dir).saveSnapshot(conn.export());
    const a = createSnapshotStore(createDiskPort(dir, realFs), SMALL_CHUNKS);
    const b = createSnapshotStore(createDiskPort(dir, realFs), SMALL_CHUNKS);
    await Promise.all([a.loadHead(), b.loadHead()]);
    conn.exec('UPDATE notes SET stars = 2');
    const results = await Promise.allSettled([a.saveSnapshot(conn.export()), b.saveSnapshot(conn.export())]);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
    expect(codes.sort()).toEqual(['ok', 'stale-head']);
  });

  it('waits for a live lock and reports locked; takes over a stale one', async () => {
    const dir = tempStore();
    const conn = await makeDatabase(20);
    mkdirSync(join(dir, 'LOCK'), { recursive: true });
    const waiting = createSnapshotStore(createDiskPort(dir, realFs, { lockTimeoutMs: 100 }), SMALL_CHUNKS);
    const error = await waiting.saveSnapshot(conn.export()).catch((e: unknown) => e);
    expect(isMoltError(error, 'locked')).toBe(true);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'LOCK'), old, old);
    const store = createSnapshotStore(createDiskPort(dir, realFs), SMALL_CHUNKS);
    expect((await store.saveSnapshot(conn.export())).generation).toBe(1);
  });

  it('reports a full disk as quota-exceeded and keeps the head', async () => {
    const dir = tempStore();
    const conn = await makeDatabase(30);
    const first = await open(dir).saveSnapshot(conn.export());
    const full: DiskFs = {
      ...realFs,
      open: async (path, flags) => {
        if (flags !== 'r')
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return realFs.open(path, flags);
      },
    };
    conn.exec('UPDATE notes SET body = upper(body)');
    const store = open(dir, full);
    await store.loadHead();
    const error = await store.saveSnapshot(conn.export()).catch((e: unknown) => e);
    expect(isMoltError(error, 'quota-exceeded')).toBe(true);
    expect((await open(dir).loadHead())?.snapshot.id).toBe(first.snapshot.id);
  });

  it('reports usage and the volume estimate', async () => {
    const dir = tempStore();
    await open(dir).saveSnapshot((await makeDatabase(30)).export());
    const usage = await open(dir).usage();
    expect(usage.estimate?.usage).toBeGreaterThan(usage.chunkBytes);
    expect(usage.estimate?.quota).toBeGreaterThan(usage.estimate?.usage ?? 0);
  });

  it('names the store directory after the database file', () => {
    expect(storeDirectoryFor('/data/app.db')).toBe('/data/app.db.molt');
  });
});
