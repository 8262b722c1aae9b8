/**
 * The building blocks: hashing only the changed chunks gives the same hashes as hashing all of them,
 * a sealed record rejects any changed byte, and a snapshot must be a SQLite file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMoltError } from '../../src/engine/errors.ts';
import { hashChunks } from '../../src/storage/chunks.ts';
import {
  assertSqliteDatabase,
  createIndexedDbPort,
  createSnapshotStore,
  readUserVersion,
} from '../../src/storage/index.ts';
import { sealJson, unsealBytes, unsealJson } from '../../src/storage/seal.ts';
import { makeDatabase } from './helpers.ts';

describe('hashChunks', () => {
  it('gives the hashes of a full pass whatever changed since the previous image', async () => {
    const chunkSize = 1024;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 6000 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 5 }),
        fc.integer({ min: -1500, max: 1500 }),
        async (base, flips, grow) => {
          const previous = { bytes: base, chunkSize, chunks: await hashChunks(base, chunkSize) };
          const next = new Uint8Array(Math.max(0, base.length + grow));
          next.set(base.subarray(0, next.length));
          for (const [at, xor] of flips) if (next.length > 0) next[at % next.length]! ^= xor;
          expect(await hashChunks(next, chunkSize, previous)).toEqual(await hashChunks(next, chunkSize));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('hashes everything when the previous image was transferred away (detached)', async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(8192));
    const previous = { bytes: bytes.slice(), chunkSize: 1024, chunks: await hashChunks(bytes, 1024) };
    structuredClone(previous.bytes.buffer, { transfer: [previous.bytes.buffer] });
    bytes[5000]! ^= 1;
    expect(await hashChunks(bytes, 1024, previous)).toEqual(await hashChunks(bytes, 1024));
  });
});

describe('sealed records', () => {
  it('round-trip, and reject every single changed byte', async () => {
    const sealed = await sealJson({ snapshotId: '000001-abcdef01', generation: 1, format: 1 });
    expect(await unsealJson(sealed)).toEqual({ snapshotId: '000001-abcdef01', generation: 1, format: 1 });
    for (let i = 0; i < sealed.length; i++) {
      for (const xor of [0x01, 0x80, 0xff]) {
        const damaged = sealed.slice();
        damaged[i]! ^= xor;
        expect(await unsealBytes(damaged)).toBeUndefined();
      }
    }
    expect(await unsealBytes(sealed.subarray(0, sealed.length - 1))).toBeUndefined();
  });
});

describe('database bytes', () => {
  it('accepts a SQLite file and reads user_version from its header', async () => {
    const bytes = (await makeDatabase(5, 42)).export();
    expect(() => assertSqliteDatabase(bytes)).not.toThrow();
    expect(readUserVersion(bytes)).toBe(42);
  });

  it('refuses anything else as not-a-database', () => {
    const candidates = [new Uint8Array(0), new Uint8Array(4096), new TextEncoder().encode('SQLite format 3')];
    for (const bytes of candidates) {
      const error = (() => {
        try {
          assertSqliteDatabase(bytes);
        } catch (e) {
          return e;
        }
      })();
      expect(isMoltError(error, 'not-a-database')).toBe(true);
    }
  });

  it('refuses a chunk size that is not a whole number of KiB in range', () => {
    for (const chunkSize of [1000, 512, 32 * 1024 * 1024]) {
      expect(() => createSnapshotStore(createIndexedDbPort('unused'), { chunkSize })).toThrow(
        expect.objectContaining({ code: 'invalid-argument' }),
      );
    }
  });
});
