/**
 * Hashing and sealing. Every record the store writes besides chunks (manifests, the head, the disk
 * adapter's HEAD file) is "sealed": its bytes end with a trailer holding the SHA-256 of everything before
 * it. A changed byte anywhere in a sealed record therefore fails `unsealBytes`, and a chunk is stored
 * under its own SHA-256, so every byte the store keeps is covered by a checksum.
 */

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** `\nsha256 ` + 64 hex digits + `\n`. */
const TRAILER_PREFIX = encoder.encode('\nsha256 ');
const TRAILER_LENGTH = TRAILER_PREFIX.length + 64 + 1;
const NEWLINE = 0x0a;

/**
 * Lower-case hex of some bytes.
 * @example
 * toHex(new Uint8Array([1, 255])); // '01ff'
 */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const byte of view) out += byte.toString(16).padStart(2, '0');
  return out;
}

/**
 * SHA-256 of some bytes as lower-case hex, through WebCrypto (browsers, workers and Node 20 alike).
 * @example
 * await sha256Hex(new TextEncoder().encode('abc')); // 'ba7816bf…'
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // WebCrypto copies exactly the view's bytes, so a subarray of a large buffer is fine here.
  return toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/**
 * Appends the checksum trailer to `body`.
 * @example
 * const sealed = await sealBytes(new TextEncoder().encode('{"a":1}'));
 * (await unsealBytes(sealed))?.length; // 7
 */
export async function sealBytes(body: Uint8Array): Promise<Uint8Array> {
  const hex = encoder.encode(await sha256Hex(body));
  const out = new Uint8Array(body.length + TRAILER_LENGTH);
  out.set(body, 0);
  out.set(TRAILER_PREFIX, body.length);
  out.set(hex, body.length + TRAILER_PREFIX.length);
  out[out.length - 1] = NEWLINE;
  return out;
}

/**
 * The body of a sealed record, or undefined when the trailer is malformed or the checksum differs.
 * @example
 * const body = await unsealBytes(bytes);
 * if (!body) throw new Error('corrupt');
 */
export async function unsealBytes(sealed: Uint8Array): Promise<Uint8Array | undefined> {
  if (sealed.length < TRAILER_LENGTH) return undefined;
  const bodyLength = sealed.length - TRAILER_LENGTH;
  for (let i = 0; i < TRAILER_PREFIX.length; i++) {
    if (sealed[bodyLength + i] !== TRAILER_PREFIX[i]) return undefined;
  }
  if (sealed[sealed.length - 1] !== NEWLINE) return undefined;
  const stated = new TextDecoder().decode(
    sealed.subarray(bodyLength + TRAILER_PREFIX.length, sealed.length - 1),
  );
  const body = sealed.subarray(0, bodyLength);
  return (await sha256Hex(body)) === stated ? body : undefined;
}

/**
 * Seals a JSON value: UTF-8 JSON text followed by its checksum trailer (readable with a text editor).
 * @example
 * const bytes = await sealJson({ snapshotId: 'x', generation: 1 });
 */
export function sealJson(value: unknown): Promise<Uint8Array> {
  return sealBytes(encoder.encode(JSON.stringify(value, null, 1)));
}

/**
 * The JSON value of a sealed record, or undefined when it fails its checksum or is not valid JSON.
 * @example
 * const value = await unsealJson(bytes);
 */
export async function unsealJson(sealed: Uint8Array): Promise<unknown> {
  const body = await unsealBytes(sealed);
  if (!body) return undefined;
  try {
    return JSON.parse(strictDecoder.decode(body)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * True when two byte arrays hold the same bytes.
 * @example
 * sameBytes(new Uint8Array([1]), new Uint8Array([1])); // true
 */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
