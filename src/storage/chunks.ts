/**
 * Cutting a database file into fixed-size chunks, hashing them in parallel, and finding the chunks a
 * new image changed relative to the previous one without hashing the rest.
 */
import { sha256Hex } from './seal.ts';

/**
 * 192 KiB, by measurement in headless Chromium on a 100 MB database (IndexedDB, strict durability;
 * `npx tsx bench/snapshots.ts --chunk-sizes …` repeats it):
 * - A whole-file write or read pays per stored value. 64 KiB and 128 KiB chunks took 2–3× as long as
 *   anything from 160 KiB to 512 KiB, which were alike (in-memory storage: 2.7–4.6 s against 0.9–1.6 s
 *   to write all chunks); 1–4 MiB gained nothing more. DESIGN's figure agrees: 400 chunks of 256 KiB in
 *   one transaction 320 ms, one 101 MB put 530–750 ms.
 * - A save after a one-row change writes the chunks holding the changed pages (one or two; an indexed
 *   column adds the index pages) plus the manifest (~70 bytes per chunk). Measured: 0.23 % of the file
 *   at 192 KiB, 0.28 % at 256 KiB, 0.52 % at 512 KiB, 1 % at 1 MiB; two chunks at 192 KiB stay under the
 *   0.5 % goal (0.41 %), at 256 KiB they do not (0.53 %).
 * - 192 KiB is 3 × 64 KiB: every SQLite page size (512 B to 64 KiB) divides it, so no page straddles
 *   two chunks and a changed page never costs two.
 * The smallest size past the per-value cost that keeps whole pages and a two-chunk change under 0.5 %.
 */
export const DEFAULT_CHUNK_SIZE = 192 * 1024;

/** Chunk sizes the store accepts: whole SQLite pages, small enough for tests, large enough for anything. */
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

/**
 * How many chunks a file of `byteLength` bytes has.
 * @example
 * chunkCount(600 * 1024, 256 * 1024); // 3
 */
export function chunkCount(byteLength: number, chunkSize: number): number {
  return Math.ceil(byteLength / chunkSize);
}

/**
 * The bytes of chunk `index` (a view, not a copy).
 * @example
 * chunkAt(bytes, 0, DEFAULT_CHUNK_SIZE).length;
 */
export function chunkAt(bytes: Uint8Array, index: number, chunkSize: number): Uint8Array {
  return bytes.subarray(index * chunkSize, Math.min(bytes.length, (index + 1) * chunkSize));
}

/**
 * The size of chunk `index` of a file of `byteLength` bytes.
 * @example
 * chunkLength(600 * 1024, 2, 256 * 1024); // 88 * 1024
 */
export function chunkLength(byteLength: number, index: number, chunkSize: number): number {
  return Math.max(0, Math.min(chunkSize, byteLength - index * chunkSize));
}

/** A previous image of the database whose chunk hashes are known: the bytes last saved or loaded. */
export interface ChunkedImage {
  bytes: Uint8Array;
  chunkSize: number;
  chunks: readonly string[];
}

/**
 * The SHA-256 of every chunk of `bytes`. Chunks equal to the same chunk of `previous` take its hash
 * without hashing (a byte comparison is several times cheaper than SHA-256); the others are digested in
 * parallel, which WebCrypto spreads over threads.
 * @example
 * const hashes = await hashChunks(conn.export(), DEFAULT_CHUNK_SIZE);
 */
export async function hashChunks(
  bytes: Uint8Array,
  chunkSize: number,
  previous?: ChunkedImage,
): Promise<string[]> {
  const count = chunkCount(bytes.length, chunkSize);
  const usable = previous && usableImage(previous, chunkSize) ? previous : undefined;
  const hashes: Promise<string>[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = chunkAt(bytes, i, chunkSize);
    const known = usable?.chunks[i];
    if (known !== undefined && usable && sameChunk(chunk, chunkAt(usable.bytes, i, chunkSize))) {
      hashes.push(Promise.resolve(known));
    } else {
      hashes.push(sha256Hex(chunk));
    }
  }
  return Promise.all(hashes);
}

function usableImage(image: ChunkedImage, chunkSize: number): boolean {
  // A transferred buffer is detached (length 0): the image is gone and everything gets hashed.
  return image.chunkSize === chunkSize && image.chunks.length === chunkCount(image.bytes.length, chunkSize);
}

/** Compares two chunks four bytes at a time where their alignment allows it. */
function sameChunk(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const words = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 ? a.length >>> 2 : 0;
  if (words > 0) {
    const wa = new Int32Array(a.buffer, a.byteOffset, words);
    const wb = new Int32Array(b.buffer, b.byteOffset, words);
    for (let i = 0; i < words; i++) if (wa[i] !== wb[i]) return false;
  }
  for (let i = words * 4; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const encoder = new TextEncoder();

/**
 * The hash that covers the whole file: SHA-256 over the byte length, the chunk size and the chunk
 * hashes in order (a hash list). Checking it after checking every chunk proves the file is complete,
 * in order, and exactly as saved. It stands in for a digest of the raw file because that is a second
 * full pass on every save (about as long as sql.js's `export()` itself on 100 MB), which the save
 * budget (1.25× `export()`) cannot pay; this one costs microseconds.
 * @example
 * const hash = await fileHash(bytes.length, DEFAULT_CHUNK_SIZE, hashes);
 */
export function fileHash(byteLength: number, chunkSize: number, chunks: readonly string[]): Promise<string> {
  return sha256Hex(encoder.encode(`molt-file-hash-v1\n${byteLength}\n${chunkSize}\n${chunks.join('\n')}\n`));
}
