/**
 * The records the store keeps besides chunks: one manifest per snapshot and the head. Both are sealed
 * JSON (see `seal.ts`); decoding checks the checksum, then every field, so a record that decodes is one
 * the store wrote.
 */
import { MoltError } from '../engine/errors.ts';
import { sealJson, unsealJson } from './seal.ts';

/** Why a snapshot was taken. */
export type SnapshotReason = 'save' | 'pre-migrate' | 'manual' | 'restore';

const REASONS: readonly SnapshotReason[] = ['save', 'pre-migrate', 'manual', 'restore'];
const HASH = /^[0-9a-f]{64}$/;
const ID = /^[0-9A-Za-z_-]{1,64}$/;

/** Everything the store knows about one snapshot. */
export interface SnapshotManifest {
  format: 1;
  /** Unique id, also the manifest's key. */
  id: string;
  /** The head generation this snapshot was committed at; unique, and higher is newer. */
  generation: number;
  /** ISO 8601 time of the commit. */
  createdAt: string;
  reason: SnapshotReason;
  /** Length of the database file in bytes. */
  byteLength: number;
  /** Covers the whole file: see `fileHash` in chunks.ts. */
  fileHash: string;
  chunkSize: number;
  /** SHA-256 of each chunk, in file order. */
  chunks: string[];
  /** `PRAGMA user_version`, read from the file header. */
  userVersion: number;
  schemaHash: string | null;
  appVersion: string | null;
  /** For `restore`: the snapshot restored. For a head snapshot (`pre-migrate`): the head it copies. */
  sourceId: string | null;
}

/** The head record: which snapshot is current, and the generation every commit increments. */
export interface HeadRecord {
  format: 1;
  snapshotId: string;
  generation: number;
}

/**
 * Encodes a manifest as a sealed record.
 * @example
 * const bytes = await encodeManifest(manifest);
 */
export function encodeManifest(manifest: SnapshotManifest): Promise<Uint8Array> {
  return sealJson(manifest);
}

/**
 * Decodes a sealed manifest; undefined when it fails its checksum, a field check, or is not `id`'s.
 * @example
 * const manifest = await decodeManifest(bytes, 'a1');
 */
export async function decodeManifest(bytes: Uint8Array, id: string): Promise<SnapshotManifest | undefined> {
  const value = (await unsealJson(bytes)) as Partial<SnapshotManifest> | undefined;
  return value && isManifest(value) && value.id === id ? value : undefined;
}

/**
 * Encodes the head record as a sealed record.
 * @example
 * const bytes = await encodeHead({ format: 1, snapshotId: 'a1', generation: 1 });
 */
export function encodeHead(head: HeadRecord): Promise<Uint8Array> {
  return sealJson(head);
}

/**
 * Decodes a sealed head record; undefined when it fails its checksum or a field check.
 * @example
 * const head = await decodeHead(bytes);
 */
export async function decodeHead(bytes: Uint8Array): Promise<HeadRecord | undefined> {
  const value = (await unsealJson(bytes)) as Partial<HeadRecord> | undefined;
  if (value?.format !== 1 || !isGeneration(value.generation)) return undefined;
  return typeof value.snapshotId === 'string' && ID.test(value.snapshotId)
    ? (value as HeadRecord)
    : undefined;
}

function isManifest(m: Partial<SnapshotManifest>): m is SnapshotManifest {
  if (m.format !== 1 || typeof m.id !== 'string' || !ID.test(m.id) || !isGeneration(m.generation))
    return false;
  if (typeof m.createdAt !== 'string' || !REASONS.includes(m.reason as SnapshotReason)) return false;
  if (!isCount(m.byteLength) || !isCount(m.chunkSize) || m.chunkSize === 0 || !isCount(m.userVersion)) {
    return false;
  }
  if (typeof m.fileHash !== 'string' || !HASH.test(m.fileHash) || !Array.isArray(m.chunks)) return false;
  if (m.chunks.length !== Math.ceil(m.byteLength / m.chunkSize)) return false;
  if (!m.chunks.every((hash) => typeof hash === 'string' && HASH.test(hash))) return false;
  return [m.schemaHash, m.appVersion, m.sourceId].every((v) => v === null || typeof v === 'string');
}

/**
 * True for a string shaped like a snapshot id. Ids become file names on disk: anything else (a path,
 * `..`) is refused before it reaches an adapter.
 * @example
 * isSnapshotId('000007-9f3a61c2'); // true
 * isSnapshotId('../HEAD'); // false
 */
export function isSnapshotId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}

function isGeneration(value: unknown): value is number {
  return isCount(value) && value > 0;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A new snapshot id: the generation (so ids sort by age) and random bits (so racing writers never clash).
 * @example
 * newSnapshotId(7); // '000007-9f3a61c2'
 */
export function newSnapshotId(generation: number): string {
  const random = crypto.getRandomValues(new Uint8Array(4));
  const suffix = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${String(generation).padStart(6, '0')}-${suffix}`;
}

/** The 16 bytes every SQLite database file starts with (sqlite.org/fileformat.html, section 1.3). */
const SQLITE_HEADER = new TextEncoder().encode('SQLite format 3\0');
/** The database header is the first 100 bytes of the file. */
const HEADER_LENGTH = 100;

/**
 * Throws `not-a-database` unless `bytes` start with SQLite's file header. Run it on anything saved or
 * imported: a snapshot must be a database.
 * @example
 * assertSqliteDatabase(conn.export());
 */
export function assertSqliteDatabase(bytes: Uint8Array): void {
  const ok = bytes.length >= HEADER_LENGTH && SQLITE_HEADER.every((byte, i) => bytes[i] === byte);
  if (!ok) {
    throw new MoltError('not-a-database', 'These bytes are not a SQLite database (no SQLite header).', {
      byteLength: bytes.length,
    });
  }
}

/**
 * `PRAGMA user_version` read straight from the header (a 4-byte big-endian integer at offset 60).
 * @example
 * readUserVersion(conn.export()); // 3
 */
export function readUserVersion(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(60);
}
