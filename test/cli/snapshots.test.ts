import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/index.ts';
import {
  BASE_SCHEMA,
  BASE_SQL,
  expectOneLineError,
  molt,
  moltInProcess,
  REBUILD_SCHEMA,
  sha256File,
  tempFolder,
  writeDatabase,
} from './helpers.ts';

let root: string;
let cleanup: () => Promise<void>;
/** The folder every test below shares: app.sqlite after one `molt apply`, and its store. */
let dir: string;
let db: string;
/** SHA-256 of app.sqlite before and after the apply. */
let original: string;
let originalSize: number;
let migrated: string;
let snapshots: { id: string; reason: string; byteLength: number; isHead: boolean; checksums: string }[];

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempFolder());
  dir = join(root, 'shared');
  await mkdir(dir);
  db = join(dir, 'app.sqlite');
  await writeDatabase(db, BASE_SQL);
  await writeFile(join(dir, 'schema.sql'), REBUILD_SCHEMA);
  original = await sha256File(db);
  originalSize = (await readFile(db)).length;
  const applied = await molt(['apply', 'app.sqlite', 'schema.sql'], dir);
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
  migrated = await sha256File(db);
  const listed = await moltInProcess(['snapshots', 'app.sqlite', '--json'], dir);
  snapshots = JSON.parse(listed.stdout).snapshots;
});
afterAll(() => cleanup());

/** A copy of the shared database and its store under another name, to damage or restore freely. */
async function copy(name: string): Promise<string> {
  await cp(db, join(dir, `${name}.sqlite`));
  await cp(`${db}.molt`, join(dir, `${name}.sqlite.molt`), { recursive: true });
  return join(dir, `${name}.sqlite`);
}

async function flipByte(path: string, at: (length: number) => number): Promise<void> {
  const bytes = await readFile(path);
  const i = at(bytes.length);
  bytes[i] = bytes[i]! ^ 0x01;
  await writeFile(path, bytes);
}

describe('snapshots on disk', () => {
  test('apply keeps a pre-migrate snapshot and the new head, and snapshots lists both', async () => {
    expect(snapshots).toMatchObject([
      { reason: 'save', isHead: true, checksums: 'ok' },
      { reason: 'pre-migrate', isHead: false, checksums: 'ok' },
    ]);
    expect(snapshots[1]!.byteLength).toBe(originalSize);

    const text = await moltInProcess(['snapshots', 'app.sqlite'], dir);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^Snapshots of app\.sqlite in .*app\.sqlite\.molt\/ \(2 snapshots, newest first; \* is the head\):$/,
    );
    expect(lines[1]).toMatch(/^ +ID +REASON +CREATED +SIZE +CHECKSUMS$/);
    expect(lines[2]).toMatch(
      new RegExp(`^\\* +${snapshots[0]!.id} +save +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z +[\\d,]+ B +ok$`),
    );
    expect(lines[3]).toMatch(new RegExp(`^ +${snapshots[1]!.id} +pre-migrate +.+ B +ok$`));
  });

  test('verify passes on an intact store', async () => {
    const result = await molt(['verify', 'app.sqlite'], dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^All 2 snapshots and every stored chunk verify\.$/m);
  });

  test.each([
    ['a chunk file', 'chunk', /CORRUPT {2}chunk [0-9a-f]{64}/],
    ['a manifest', 'manifest', /CORRUPT {2}\d{6}-\w+ {2}manifest-corrupt/],
    ['the head record', 'head', /head CORRUPT/],
  ])('verify finds a flipped byte in %s: exit 2', async (_what, part, says) => {
    const copyDb = await copy(`flip-${part}`);
    const store = `${copyDb}.molt`;
    if (part === 'chunk') {
      const [chunk] = await readdir(join(store, 'chunks'));
      await flipByte(join(store, 'chunks', chunk!), (n) => Math.floor(n / 2));
    } else if (part === 'manifest') {
      await flipByte(join(store, 'manifests', snapshots[1]!.id), (n) => Math.floor(n / 3));
    } else {
      await flipByte(join(store, 'HEAD'), (n) => Math.floor(n / 2));
    }

    // One through the executable; the others in this process, which runs the same code.
    const run = part === 'chunk' ? molt : moltInProcess;
    const result = await run(['verify', `flip-${part}.sqlite`], dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(says);
    expect(result.stdout).toMatch(/^FAILED verification: .+\.$/m);
  });

  // Regression: sql.js keeps the Node Buffer it is opened from as its file and writes into it, so a
  // pre-migrate snapshot of those bytes taken after the apply held the migrated pages.
  test('restore writes the pre-migrate bytes back exactly, and records it', async () => {
    const restored = await copy('restored');
    expect(await sha256File(restored)).toBe(migrated);

    const result = await molt(['restore', 'restored.sqlite', snapshots[1]!.id, '--json'], dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'restored',
      id: snapshots[1]!.id,
      kept: null,
      sha256: original,
    });
    expect(await sha256File(restored)).toBe(original);
    const listed = JSON.parse((await moltInProcess(['snapshots', 'restored.sqlite', '--json'], dir)).stdout);
    expect(listed.snapshots.map((s: { reason: string }) => s.reason)).toEqual([
      'restore',
      'save',
      'pre-migrate',
    ]);
    // And back again: the migrated bytes are still there.
    expect((await moltInProcess(['restore', 'restored.sqlite', snapshots[0]!.id], dir)).code).toBe(0);
    expect(await sha256File(restored)).toBe(migrated);
  });

  test('restore keeps bytes the store does not have yet, and recreates a deleted file', async () => {
    const changed = await copy('changed');
    const conn = openSqlJs(await loadSqlJs(), await readFile(changed));
    conn.exec("INSERT INTO users (name) VALUES ('written after the apply')");
    await writeFile(changed, conn.export());
    conn.close();
    const edited = await sha256File(changed);

    const result = await moltInProcess(['restore', 'changed.sqlite', snapshots[1]!.id, '--json'], dir);
    expect(result.code).toBe(0);
    const { kept } = JSON.parse(result.stdout);
    expect(kept).toMatch(/^\d{6}-/);
    await rm(changed);
    expect((await moltInProcess(['restore', 'changed.sqlite', kept], dir)).code).toBe(0);
    expect(await sha256File(changed)).toBe(edited);
  });

  test('a store whose head fails verification is not written to: corrupt-snapshot, file untouched', async () => {
    const damaged = await copy('damaged-head');
    await flipByte(`${damaged}.molt/HEAD`, (n) => Math.floor(n / 2));
    await writeFile(join(dir, 'base.sql'), BASE_SCHEMA);

    const result = await moltInProcess(
      ['apply', 'damaged-head.sqlite', 'base.sql', '--allow-data-loss'],
      dir,
    );
    expectOneLineError(result, 'corrupt-snapshot');
    expect(result.stderr).toContain('--no-backup');
    expect(await sha256File(damaged)).toBe(migrated);
  });

  test('an unknown snapshot id: one line, exit 1, file untouched', async () => {
    const result = await moltInProcess(['restore', 'app.sqlite', '000009-deadbeef'], dir);
    expectOneLineError(result, 'snapshot-not-found');
    expect(result.stderr).toContain("see 'molt snapshots app.sqlite'");
    expect(await sha256File(db)).toBe(migrated);
  });

  test('--no-backup creates no store; a file without one has no snapshots', async () => {
    const folder = join(root, 'no-backup');
    await mkdir(folder);
    await writeDatabase(join(folder, 'app.sqlite'), BASE_SQL);
    await writeFile(join(folder, 'schema.sql'), REBUILD_SCHEMA);

    const applied = await moltInProcess(['apply', 'app.sqlite', 'schema.sql', '--no-backup'], folder);
    expect(applied.code).toBe(0);
    expect(applied.stdout).not.toContain('Snapshots:');
    expect((await readdir(folder)).sort()).toEqual(['app.sqlite', 'schema.sql']);
    const listed = await moltInProcess(['snapshots', 'app.sqlite'], folder);
    expect(listed).toMatchObject({ code: 0, stdout: expect.stringMatching(/^app\.sqlite has no snapshots/) });
    expect((await moltInProcess(['verify', 'app.sqlite'], folder)).code).toBe(0);
    expectOneLineError(await moltInProcess(['snapshots', 'missing.sqlite'], folder), 'file-not-found');
  });
});
