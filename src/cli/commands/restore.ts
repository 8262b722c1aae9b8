/**
 * `molt restore <db> <id>`: writes a snapshot's exact bytes back to the database file. The snapshot is
 * verified before the file is touched, the file is replaced atomically under the lock `apply` and
 * `migrate` take, and only then is the restore recorded in the store (as a `restore` snapshot, the new
 * head). Bytes of the file the store does not hold yet are kept first, so a restore can be undone.
 */
import { createHash } from 'node:crypto';
import { MoltError, toErrorData } from '../../engine/errors.ts';
import { fileHash, hashChunks, type SaveResult, type SnapshotStore } from '../../storage/index.ts';
import { findStore, sameBytes } from '../backup.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import {
  LOCK_TIMEOUT_HELP,
  LOCK_TIMEOUT_OPTION,
  refuseOpenJournal,
  withDatabaseLock,
} from '../database-lock.ts';
import { toJson } from '../format.ts';
import { type ReadFile, readInputFile, replaceFileAtomically } from '../io.ts';

export const usage = `Usage: molt restore <db> <id> [options]

Writes snapshot <id> of the database file <db> (see 'molt snapshots <db>') back to <db>, byte for byte.
The snapshot is verified against its checksums first; <db> is then replaced atomically (temporary file
in the same folder, fsync, rename) under the lock 'molt apply' and 'molt migrate' take. The restore is
recorded as a snapshot with reason 'restore'. When <db> holds bytes the store does not have, they are
kept first as a 'save' snapshot, so a restore can be undone with another. <db> may be missing: it is
then created.

Options:
${LOCK_TIMEOUT_HELP}
  --json                  print { status, id, restore, kept, byteLength, sha256 } as JSON
  -h, --help              show this help

Exit status: 0 restored (or <db> already holds these bytes), 1 error (<db> was left as it was).
`;

const OPTIONS = { json: { type: 'boolean' }, ...LOCK_TIMEOUT_OPTION } as const;

/**
 * Runs `molt restore`.
 * @example
 * const code = await run(['app.sqlite', '000003-9f3a61c2'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('restore', argv, OPTIONS, ['db', 'id']);
  const [dbPath, id] = positionals as [string, string];
  const found = await findStore(dbPath);
  if (!found.store) throw notFound(dbPath, id);
  const store = found.store;
  try {
    return await withDatabaseLock(dbPath, (real) => restoreLocked(store, real, dbPath, id, values, context), {
      command: 'restore',
      timeout: values['lock-timeout'],
      mustExist: false,
      ...(process.stderr.isTTY && { notify: context.stderr }),
    });
  } finally {
    await store.close();
  }
}

async function restoreLocked(
  store: SnapshotStore,
  real: string,
  dbPath: string,
  id: string,
  values: { json?: boolean | undefined },
  context: CliContext,
): Promise<ExitCode> {
  const current = await readCurrent(real, dbPath, context);
  const { snapshot, bytes } = await store.loadSnapshot(id).catch((error: unknown) => {
    throw (error as { code?: unknown }).code === 'snapshot-not-found' ? notFound(dbPath, id) : error;
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const print = (status: string, restore: SaveResult | null, kept: SaveResult | null, text: string) => {
    if (values.json) {
      const ids = { restore: restore?.snapshot.id ?? null, kept: kept?.snapshot.id ?? null };
      context.stdout(`${toJson({ status, id, ...ids, byteLength: bytes.length, sha256 })}\n`);
    } else context.stdout(text);
    return EXIT.ok;
  };
  if (current && sameBytes(current.bytes, bytes)) {
    return print('unchanged', null, null, `${dbPath} already holds snapshot ${id}; nothing was written.\n`);
  }
  const kept = current ? await keepCurrent(store, current.bytes) : null;
  await replaceFileAtomically(real, bytes, { fs: context.fs, ...(current && { expected: current.stat }) });
  // The file is restored: failing to record that is worth a warning, not an error (the next apply or
  // migrate snapshots the file again).
  const restore = await store.restoreSnapshot(id).catch((error: unknown) => {
    const data = toErrorData(error);
    context.stderr(
      `molt: warning: ${dbPath} was restored, but recording it failed: ${data.code}: ${data.message}\n`,
    );
    return null;
  });
  const size = `${bytes.length.toLocaleString('en-US')} bytes, sha256 ${sha256}`;
  const lines = [
    `Restored ${dbPath} from snapshot ${id} (${snapshot.reason}, ${snapshot.createdAt}): ${size}.`,
    (restore ? `Recorded as snapshot ${restore.snapshot.id}.` : 'Not recorded in the store.') +
      (kept ? ` The bytes ${dbPath} held before are snapshot ${kept.snapshot.id}.` : ''),
  ];
  return print('restored', restore, kept, `${lines.join('\n')}\n`);
}

/** The file as it is now, or undefined when it does not exist; refused when open in another program. */
async function readCurrent(real: string, dbPath: string, context: CliContext): Promise<ReadFile | undefined> {
  const file = await readInputFile(real, { fs: context.fs }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'file-not-found') return undefined;
    throw error;
  });
  if (file) await refuseOpenJournal(dbPath, real);
  return file;
}

/**
 * Saves the file's bytes unless the store's head already holds them, verified. Bytes that are not a
 * database (the store refuses them) are not kept: there is no database in them to lose.
 */
async function keepCurrent(store: SnapshotStore, bytes: Uint8Array): Promise<SaveResult | null> {
  if (!isDatabase(bytes)) return null;
  const head = (await store.listSnapshots()).find((s) => s.isHead);
  if (head && head.byteLength === bytes.length) {
    const hash = await fileHash(bytes.length, head.chunkSize, await hashChunks(bytes, head.chunkSize));
    if (hash === head.fileHash && (await store.verifySnapshot(head.id)).kind === 'verified') return null;
  }
  return store.saveSnapshot(bytes, { reason: 'save' });
}

const SQLITE_HEADER = new TextEncoder().encode('SQLite format 3\0');

function isDatabase(bytes: Uint8Array): boolean {
  return bytes.length >= 100 && SQLITE_HEADER.every((byte, i) => bytes[i] === byte);
}

function notFound(dbPath: string, id: string): MoltError {
  return new MoltError(
    'snapshot-not-found',
    `${dbPath} has no snapshot ${id} (see 'molt snapshots ${dbPath}')`,
    { path: dbPath, id },
  );
}
