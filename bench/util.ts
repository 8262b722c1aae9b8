/** Small helpers shared by the benchmarks: timing, medians, result files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function time<T>(run: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = run();
  return { ms: performance.now() - started, value };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function writeResult(name: string, result: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const payload = { name, date: new Date().toISOString(), node: process.version, ...result };
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(payload, null, 2)}\n`);
}
