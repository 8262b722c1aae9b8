/**
 * A worker holding OPFS databases for the adapter tests. Each function returns plain data; a failure is
 * `{ ok: false, code }` with the MoltError's code (tests assert codes, never messages).
 */
import * as Comlink from 'comlink';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { toErrorData } from '../../../src/engine/errors.ts';
import {
  checkOpfs,
  deleteOpfsDatabase,
  importOpfsDatabase,
  loadOpfsSqlite,
  type OpfsConnection,
  openOpfsDatabase,
  opfsDirectoryFor,
} from '../../../src/sqlite/opfs.ts';
import type { SqlValue } from '../../../src/sqlite/port.ts';
import { loadSqlJs, openSqlJs } from '../../../src/sqlite/sql-js.ts';

type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

const open = new Map<string, OpfsConnection>();
let heldHandle: { close(): void } | undefined;

async function settle<T>(run: () => Promise<T> | T): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    const data = toErrorData(error);
    if (data.code !== 'internal') return { ok: false, code: data.code, message: data.message };
    const name = (error as { name?: string }).name ?? 'Error';
    return { ok: false, code: `not-a-molt-error:${name}`, message: String(error) };
  }
}

function conn(name: string): OpfsConnection {
  const found = open.get(name);
  if (!found) throw new Error(`${name} is not open in this worker`);
  return found;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Reads the file through `source()` in 256 KiB pieces, hashing as it goes. */
async function readSource(c: OpfsConnection) {
  const { wasm } = (await loadOpfsSqlite()).sqlite3;
  const heapBefore = wasm.heap8u().byteLength;
  const source = c.source();
  const pieces: Uint8Array[] = [];
  for (let offset = 0; offset < source.byteLength; offset += 256 * 1024) {
    pieces.push(await source.read(offset, Math.min(256 * 1024, source.byteLength - offset)));
  }
  const bytes = new Uint8Array(source.byteLength);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return { bytes, heapGrowth: wasm.heap8u().byteLength - heapBefore };
}

function* pieces(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

const api = {
  support: () => checkOpfs(),
  open: (name: string, acquireTimeoutMs?: number) =>
    settle(async () => {
      const c = await openOpfsDatabase(await loadOpfsSqlite(), name, {
        acquireTimeoutMs: acquireTimeoutMs ?? 3000,
      });
      open.set(name, c);
      return c.byteLength();
    }),
  close: (name: string) =>
    settle(() => {
      conn(name).close();
      open.delete(name);
    }),
  remove: (name: string) => settle(async () => deleteOpfsDatabase(await loadOpfsSqlite(), name)),
  exec: (name: string, sql: string, params?: SqlValue[]) => settle(() => conn(name).exec(sql, params)),
  query: (name: string, sql: string, params?: SqlValue[]) => settle(() => conn(name).query(sql, params)),
  /** The file's SHA-256 and size, read in pieces, and how much the wasm heap grew meanwhile. */
  hash: (name: string) =>
    settle(async () => {
      const { bytes, heapGrowth } = await readSource(conn(name));
      return { sha256: await sha256(bytes), byteLength: bytes.length, heapGrowth };
    }),
  /** A source made, one piece read, then `sql` committed, then the next piece read. */
  readAcrossCommit: (name: string, sql: string) =>
    settle(async () => {
      const source = conn(name).source();
      await source.read(0, 4096);
      conn(name).exec(sql);
      return (await source.read(4096, 4096)).length;
    }),
  /** The rows of `table` in a copy of the OPFS file opened by sql.js. */
  rowsViaSqlJs: (name: string, table: string) =>
    settle(async () => {
      const { bytes } = await readSource(conn(name));
      const copy = openSqlJs(await loadSqlJs({ wasmUrl }), bytes);
      try {
        return copy.query(`SELECT * FROM "${table}" ORDER BY rowid`);
      } finally {
        copy.close();
      }
    }),
  /** Builds a database in sql.js with `sql`, imports it as `name` in pieces; both files' SHA-256. */
  importFromSqlJs: (name: string, sql: string, pieceBytes = 65536) =>
    settle(async () => {
      const scratch = openSqlJs(await loadSqlJs({ wasmUrl }));
      scratch.exec(sql);
      const exported = scratch.export();
      scratch.close();
      const c = await importOpfsDatabase(await loadOpfsSqlite(), name, pieces(exported, pieceBytes));
      open.set(name, c);
      return { sqlJs: await sha256(exported), opfs: await sha256((await readSource(c)).bytes) };
    }),
  /** Imports a stream that fails after its first piece. */
  importFailing: (name: string) =>
    settle(async () => {
      const scratch = openSqlJs(await loadSqlJs({ wasmUrl }));
      scratch.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      const exported = scratch.export();
      scratch.close();
      async function* failing() {
        yield exported.subarray(0, 4096);
        throw new Error('the stream broke');
      }
      await importOpfsDatabase(await loadOpfsSqlite(), name, failing());
    }),
  /**
   * Replaces `name` with a database built by sql.js from `sql`; `damage` makes the stream fail midway
   * (`stream`) or hands over a file whose pages are garbage (`pages`).
   */
  replaceWith: (name: string, sql: string, damage?: 'stream' | 'pages') =>
    settle(async () => {
      const scratch = openSqlJs(await loadSqlJs({ wasmUrl }));
      scratch.exec(sql);
      const exported = scratch.export();
      scratch.close();
      if (damage === 'pages') exported.fill(0x5a, 4096);
      async function* stream() {
        yield exported.subarray(0, 4096);
        if (damage === 'stream') throw new Error('the stream broke');
        yield* pieces(exported.subarray(4096), 4096);
      }
      return conn(name).replace(stream());
    }),
  /**
   * Opens a sync access handle on one file of the database's pool that does not hold the database (as a
   * worker still letting go of the files does), so that another worker's attempt to take them fails.
   */
  holdPoolFile: (name: string) =>
    settle(async () => {
      let dir = await navigator.storage.getDirectory();
      for (const part of [...opfsDirectoryFor(name).split('/'), '.opaque'])
        dir = await dir.getDirectoryHandle(part);
      const names: string[] = [];
      for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
      for (const key of names) {
        const file = await (await dir.getFileHandle(key)).getFile();
        // Pool files start with a 4 KiB header; the database's file is longer.
        if (file.size > 4096) continue;
        const handle = await (
          (await dir.getFileHandle(key)) as unknown as {
            createSyncAccessHandle(): Promise<{ close(): void }>;
          }
        ).createSyncAccessHandle();
        heldHandle = handle;
        return names.length;
      }
      throw new Error('no spare file in the pool');
    }),
  releasePoolFile: () => settle(() => heldHandle?.close()),
  heap: async () => (await loadOpfsSqlite()).sqlite3.wasm.heap8u().byteLength,
};

export type OpfsWorkerApi = typeof api;
Comlink.expose(api);
