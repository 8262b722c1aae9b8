import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseRenames } from '../../src/cli/command.ts';
import {
  type FileSystem,
  readInputFile,
  replaceFileAtomically,
  type WritableFile,
} from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { isMoltError } from '../../src/engine/index.ts';
import { BASE_SQL, REBUILD_SCHEMA, sha256File, strayFiles, tempFolder, writeDatabase } from './helpers.ts';

type Operation = 'open' | 'writeFile' | 'chmod' | 'sync' | 'close' | 'stat' | 'rename';

/** Node's file system, except that the first call of `operation` after reading fails like a full disk. */
function failingFs(operation: Operation): FileSystem {
  let armed = false;
  const gate = async <T>(name: Operation, run: () => Promise<T>): Promise<T> => {
    if (armed && name === operation) {
      armed = false;
      throw Object.assign(new Error(`ENOSPC: no space left on device, ${name}`), { code: 'ENOSPC' });
    }
    return run();
  };
  const handle = (file: nodeFs.FileHandle): WritableFile => ({
    writeFile: (data) => gate('writeFile', () => file.writeFile(data)),
    chmod: (mode) => gate('chmod', () => file.chmod(mode)),
    sync: () => gate('sync', () => file.sync()),
    // The real file is closed either way, so a failing close leaks nothing.
    close: () => file.close().then(() => gate('close', async () => undefined)),
  });
  return {
    readFile: async (path) => {
      const bytes = await nodeFs.readFile(path);
      armed = true;
      return bytes;
    },
    stat: (path) => gate('stat', () => nodeFs.stat(path)),
    realpath: (path) => nodeFs.realpath(path),
    open: (path, flags, mode) => gate('open', async () => handle(await nodeFs.open(path, flags, mode))),
    rename: (from, to) => gate('rename', () => nodeFs.rename(from, to)),
    unlink: (path) => nodeFs.unlink(path),
  };
}

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempFolder());
});
afterAll(() => cleanup());

describe('replaceFileAtomically', () => {
  const operations: Operation[] = ['open', 'writeFile', 'chmod', 'sync', 'close', 'stat', 'rename'];

  test.each(operations)(
    'a failing %s leaves the original untouched and no temporary file',
    async (operation) => {
      const path = join(dir, `${operation}.bin`);
      await nodeFs.writeFile(path, 'original');
      const fs = failingFs(operation);
      const file = await readInputFile(path, { fs });
      const error = await replaceFileAtomically(file.path, new TextEncoder().encode('new'), {
        fs,
        expected: file.stat,
      }).catch((e: unknown) => e);
      expect(isMoltError(error, 'storage-error')).toBe(true);
      expect(await nodeFs.readFile(path, 'utf8')).toBe('original');
      expect((await nodeFs.readdir(dir)).filter((n) => n.includes(`${operation}.bin.molt`))).toEqual([]);
    },
  );

  test('replaces the content and keeps the mode', async () => {
    const path = join(dir, 'ok.bin');
    await nodeFs.writeFile(path, 'original');
    await nodeFs.chmod(path, 0o604);
    const file = await readInputFile(path);
    await replaceFileAtomically(file.path, new TextEncoder().encode('new'), { expected: file.stat });
    expect(await nodeFs.readFile(path, 'utf8')).toBe('new');
    expect((await nodeFs.stat(path)).mode & 0o777).toBe(0o604);
  });

  test('refuses to replace a file that changed since it was read', async () => {
    const path = join(dir, 'changed.bin');
    await nodeFs.writeFile(path, 'original');
    const file = await readInputFile(path);
    await nodeFs.writeFile(path, 'someone else wrote this');
    const error = await replaceFileAtomically(file.path, new TextEncoder().encode('new'), {
      expected: file.stat,
    }).catch((e: unknown) => e);
    expect(isMoltError(error, 'plan-stale')).toBe(true);
    expect(await nodeFs.readFile(path, 'utf8')).toBe('someone else wrote this');
  });
});

describe('molt apply with a failing write', () => {
  test('exits 1 with one line and leaves the database byte-identical', async () => {
    const folder = join(dir, 'apply');
    await nodeFs.mkdir(folder);
    const db = join(folder, 'app.sqlite');
    await writeDatabase(db, BASE_SQL);
    await nodeFs.writeFile(join(folder, 'schema.sql'), REBUILD_SCHEMA);
    const before = await sha256File(db);
    let stdout = '';
    let stderr = '';
    // Replacing the file by a rename is what sql.js does; native SQLite writes in place.
    const code = await main(['apply', db, join(folder, 'schema.sql'), '--sqlite', 'wasm'], {
      fs: failingFs('rename'),
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: {},
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^molt: error: storage-error: could not write .*ENOSPC.*\n$/);
    expect(await sha256File(db)).toBe(before);
    // The pre-migrate snapshot (in app.sqlite.molt/) is taken before the write, and stays.
    expect(await strayFiles(folder, ['app.sqlite', 'schema.sql', 'app.sqlite.molt'])).toEqual([]);
  });
});

describe('parseRenames', () => {
  test.each([
    [['users=people'], { tables: { users: 'people' }, columns: {} }],
    [['users.name=full_name'], { tables: {}, columns: { 'users.name': 'full_name' } }],
    [['a=b', 'a.c=d'], { tables: { a: 'b' }, columns: { 'a.c': 'd' } }],
  ])('%j', (values, expected) => {
    expect(parseRenames('plan', values)).toEqual(expected);
  });

  test.each([['users'], ['=b'], ['a='], ['a=b=c'], ['.a=b'], ['a.=b']])('rejects %j', (value) => {
    expect(() => parseRenames('plan', [value])).toThrow(/old=new/);
  });
});
