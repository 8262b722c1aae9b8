/**
 * Writing chunks for a save: which ones, and how. A few travel inside the commit; more are checked
 * against the store and the missing ones written in batches first, which bounds the memory a large
 * save needs beyond the file (one batch of copies) and the size of each transaction.
 */
import { chunkAt, chunkLength } from './chunks.ts';
import type { ChunkEntry } from './kv-port.ts';
import type { StoreContext } from './store-context.ts';

/**
 * Up to this many bytes of chunks travel inside the commit (a small change: one durable transaction).
 * Beyond it, the store is asked which chunks it already holds, so a large save skips stored ones.
 */
const INLINE_BYTES = 4 * 1024 * 1024;

/**
 * The distinct hashes, in first-seen order.
 * @example
 * unique(['a', 'b', 'a']); // ['a', 'b']
 */
export function unique(hashes: readonly string[]): string[] {
  return [...new Set(hashes)];
}

/**
 * Decides which chunks to write. A few travel inside the commit, stored or not; more are checked against
 * the store first and the missing ones written in batches before the commit. Chunks a read found
 * damaged are always rewritten. Returns the chunks for the commit, what was written already, and the
 * hashes of every chunk written either way.
 * @example
 * const { inline } = await storeChunks(bytes, hashes, hashesOutsideHead, context);
 */
export async function storeChunks(
  bytes: Uint8Array,
  hashes: readonly string[],
  required: readonly string[],
  context: StoreContext,
): Promise<{ inline: ChunkEntry[]; chunks: number; bytes: number; hashes: Set<string> }> {
  const suspect = unique(hashes).filter((hash) => context.suspectChunks.has(hash));
  const candidates = unique([...required, ...suspect]);
  const sizes = sizeByHash(bytes, hashes, context.chunkSize);
  const total = candidates.reduce((sum, hash) => sum + (sizes.get(hash) ?? 0), 0);
  if (total <= Math.min(INLINE_BYTES, context.batchBytes)) {
    return {
      inline: entries(bytes, hashes, candidates, context),
      chunks: 0,
      bytes: 0,
      hashes: new Set(candidates),
    };
  }
  const present = await context.port.hasChunks(required);
  const missing = unique([...required.filter((_, i) => !present[i]), ...suspect]);
  const written = await writeChunks(bytes, hashes, missing, context);
  return { inline: [], ...written, hashes: new Set(missing) };
}

function sizeByHash(bytes: Uint8Array, hashes: readonly string[], chunkSize: number): Map<string, number> {
  const sizes = new Map<string, number>();
  hashes.forEach((hash, i) => {
    sizes.set(hash, chunkLength(bytes.length, i, chunkSize));
  });
  return sizes;
}

/** The chunks with these hashes, as views into `bytes` (first occurrence of each). */
function entries(
  bytes: Uint8Array,
  hashes: readonly string[],
  wanted: readonly string[],
  context: StoreContext,
) {
  const want = new Set(wanted);
  const out: ChunkEntry[] = [];
  hashes.forEach((hash, i) => {
    if (want.delete(hash)) out.push({ hash, bytes: chunkAt(bytes, i, context.chunkSize) });
  });
  return out;
}

/**
 * Writes the chunks with these hashes, taken from `bytes`, in batches of about `batchBytes`.
 * @example
 * await writeChunks(bytes, manifest.chunks, missingHashes, context);
 */
export async function writeChunks(
  bytes: Uint8Array,
  hashes: readonly string[],
  wanted: readonly string[],
  context: StoreContext,
): Promise<{ chunks: number; bytes: number }> {
  const all = entries(bytes, hashes, wanted, context);
  let batch: ChunkEntry[] = [];
  let batchSize = 0;
  for (const entry of all) {
    batch.push(entry);
    batchSize += entry.bytes.length;
    if (batchSize >= context.batchBytes) {
      await context.port.writeChunks(batch);
      batch = [];
      batchSize = 0;
    }
  }
  if (batch.length > 0) await context.port.writeChunks(batch);
  for (const hash of wanted) context.suspectChunks.delete(hash);
  return { chunks: all.length, bytes: all.reduce((sum, e) => sum + e.bytes.length, 0) };
}
