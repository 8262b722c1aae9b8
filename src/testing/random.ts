/**
 * A small seeded random number generator, so that the rows `molt test` generates are the same on
 * every machine for the same seed: a failure seen in CI can be run again at a desk.
 */

/** Returns numbers in [0, 1), like Math.random, from a 32-bit state (mulberry32). */
export type Random = () => number;

/**
 * A generator seeded by any text (the user's seed, a release and a table name).
 * @example
 * const random = createRandom('1:v3:notes');
 * random(); // the same number on every run
 */
export function createRandom(seed: string): Random {
  let state = hashText(seed);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function pickIndex(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** FNV-1a over the UTF-16 code units: a seed from text. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
