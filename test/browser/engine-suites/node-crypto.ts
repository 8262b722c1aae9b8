/** `createHash('sha256')` of node:crypto, for suites running in a browser worker. */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`only sha256 here, not ${algorithm}`);
  const hash = sha256.create();
  const api = {
    update(bytes: Uint8Array | string) {
      hash.update(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
      return api;
    },
    digest: (encoding: 'hex') => {
      if (encoding !== 'hex') throw new Error('only hex digests here');
      return bytesToHex(hash.digest());
    },
  };
  return api;
}
