/**
 * The shareable state: both schemas, deflated into the URL's hash. The hash never reaches a server,
 * and deflate keeps a page of SQL to a link of a few hundred characters.
 */

export interface SharedState {
  /** The SQL that builds the current database (CREATE statements, maybe INSERTs). */
  current: string;
  /** The target schema. */
  target: string;
}

const PREFIX = '#s=';

/**
 * The hash for a state.
 * @example
 * history.replaceState(null, '', await encodeState({ current, target }));
 */
export async function encodeState(state: SharedState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, c: state.current, t: state.target }));
  const packed = await pipe(json, new CompressionStream('deflate-raw'));
  return PREFIX + toBase64Url(packed);
}

/**
 * The state in a hash: undefined when the hash holds none, an error when it holds a damaged one.
 * @example
 * const state = await decodeState(location.hash);
 */
export async function decodeState(hash: string): Promise<SharedState | undefined> {
  if (!hash.startsWith(PREFIX)) return undefined;
  try {
    const json = await pipe(fromBase64Url(hash.slice(PREFIX.length)), new DecompressionStream('deflate-raw'));
    const data = JSON.parse(new TextDecoder().decode(json)) as { v?: unknown; c?: unknown; t?: unknown };
    if (data.v !== 1 || typeof data.c !== 'string' || typeof data.t !== 'string')
      throw new Error('bad shape');
    return { current: data.c, target: data.t };
  } catch {
    throw new Error('The link is damaged or cut short: its schemas could not be read.');
  }
}

async function pipe(
  bytes: Uint8Array,
  transform: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
