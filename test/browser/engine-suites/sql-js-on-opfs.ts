/**
 * Stands in for src/sqlite/sql-js.ts (and src/sqlite/index.ts) when the engine suites run in Chromium:
 * every database a suite opens is a file in OPFS, opened through the OPFS adapter. `export()` reads the
 * file back through the adapter, so the suites' "byte-identical" checks compare the real files. What a
 * test leaves open is closed and deleted after it.
 */
import {
  loadOpfsSqlite,
  type OpfsConnection,
  type OpfsPool,
  type OpfsSqlite,
  openOpfsPool,
} from '../../../src/sqlite/opfs.ts';
import { around } from './vitest-shim.ts';

export type { Row, SqliteConnection, SqlValue } from '../../../src/sqlite/port.ts';
export { SqliteError } from '../../../src/sqlite/port.ts';

/** What the suites call a sql.js connection: here, a connection to a file in OPFS. */
export type SqlJsConnection = OpfsConnection & { export(): Uint8Array };

let pool: OpfsPool | undefined;
let opened = 0;
/** Connections opened by the running test (closed after it), or by a beforeAll (closed at the end). */
let inTest: Set<SqlJsConnection> | undefined;
const longLived = new Set<SqlJsConnection>();

around.before.push(() => {
  inTest = new Set();
});
around.after.push(() => {
  for (const conn of inTest ?? []) conn.close();
  inTest = undefined;
});

/** The pool the suites' files live in, emptied of an earlier run's files. */
export async function loadSqlJs(): Promise<OpfsSqlite> {
  const sqlite = await loadOpfsSqlite();
  if (!pool) {
    pool = await openOpfsPool(sqlite, '.molt-engine-suites', 48);
    for (const file of pool.files()) pool.remove(file);
  }
  return sqlite;
}

export function openSqlJs(_sqlite: OpfsSqlite, bytes?: Uint8Array): SqlJsConnection {
  if (!pool) throw new Error('call loadSqlJs() first');
  const files = pool;
  const file = `/suite-${++opened}.sqlite3`;
  files.remove(file);
  if (bytes && bytes.length > 0) files.importFile(file, bytes);
  const conn = files.open(file);
  let closed = false;
  const wrapped: SqlJsConnection = {
    ...conn,
    export: () => conn.readFile(0, conn.byteLength()),
    close() {
      if (closed) return;
      closed = true;
      conn.close();
      files.remove(file);
      inTest?.delete(wrapped);
      longLived.delete(wrapped);
    },
  };
  (inTest ?? longLived).add(wrapped);
  return wrapped;
}

/** Closes what beforeAll hooks opened and the suites did not close. */
export function closeAll(): void {
  for (const conn of longLived) conn.close();
}
