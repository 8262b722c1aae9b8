/**
 * Snapshot benchmark, in Chromium on its on-disk IndexedDB: a ~100 MB database saved by molt's store
 * vs the naive way (`db.export()` + one strict IndexedDB put); a save after a one-row change (bytes
 * written, time against a bare `export()` measured alongside); a verified load; a restore; peak memory.
 * Ratios are the figures: absolute times on shared machines are noise.
 *
 * Alone: `npx tsx bench/snapshots.ts [--megabytes 100] [--chunk-sizes 131072,196608,262144]`
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { DEFAULT_CHUNK_SIZE } from '../src/storage/index.ts';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  callPage,
  REPO_ROOT,
  startPageServer,
} from '../test/browser/harness.ts';

interface Options {
  megabytes: number;
  /** Chunk sizes to compare in full and one-row saves, besides the default. */
  chunkSizes: number[];
  repeats: number;
}

type Timed = { ms: number } & Record<string, unknown>;

/**
 * Runs the benchmark and returns its figures (nothing is written to disk).
 * @example
 * const figures = await runSnapshotBench();
 * console.log(figures.summary);
 */
export async function runSnapshotBench(options: Partial<Options> = {}): Promise<Record<string, unknown>> {
  const { megabytes = 100, chunkSizes = [], repeats = 5 } = options;
  const server = await startPageServer(join(REPO_ROOT, 'bench/pages'));
  const userDataDir = mkdtempSync(join(tmpdir(), 'molt-bench-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    headless: true,
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/snapshots.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const probe = await memoryProbe(context, page, userDataDir);
    return await measure(page, probe, { megabytes, chunkSizes, repeats });
  } finally {
    await context.close();
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function measure(page: Page, probe: MemoryProbe, options: Options): Promise<Record<string, unknown>> {
  const call = <T = Timed>(name: string, ...args: unknown[]) => callPage<T>(page, name, ...args);
  const database = await call<{ byteLength: number; rows: number }>('makeDatabase', options.megabytes);
  const times = (n: number, run: () => Promise<Timed>) => repeat(n, run);

  const exportOnly = await times(options.repeats, () => call('exportOnly'));
  const naiveSave = await probe.during(() => times(3, () => call('naiveSave')));
  const naiveLoad = await times(3, () => call('naiveLoad'));
  await call('dropNaive');

  const fullSave = await probe.during(() =>
    times(3, async () => {
      await call('drop', 'full');
      return call('fullSave', 'full');
    }),
  );
  const first = (await call('fullSave', 'main')) as Timed & { id: string };
  const oneRow = await probe.during(() => times(options.repeats, () => call('oneRowSave', 'main')));
  const exportAfter = await times(options.repeats, () => call('exportOnly'));
  const load = await probe.during(() => times(3, () => call('verifiedLoad', 'main')));
  const restore = await probe.during(() => times(3, () => call('restore', 'main', first.id)));
  const preMigrate = await times(3, () => call('preMigrate', 'main'));
  await call('drop', 'full');
  await call('drop', 'main');

  const exportMs = median([...exportOnly.values, ...exportAfter.values]);
  const bytesWritten = median(oneRow.runs.map((r) => Number(r.bytesWritten)));
  const figures = {
    chunkSize: DEFAULT_CHUNK_SIZE,
    databaseBytes: database.byteLength,
    exportMs: round(exportMs),
    naiveSaveMs: round(naiveSave.median),
    naiveLoadMs: round(naiveLoad.median),
    fullSaveMs: round(fullSave.median),
    fullSaveVsNaive: round(fullSave.median / naiveSave.median),
    oneRowSaveMs: round(oneRow.median),
    // Paired: each one-row save against the export() inside it, so load on the machine cancels out.
    oneRowSaveVsExport: round(median(oneRow.runs.map((r) => r.ms / Number(r.exportMs)))),
    oneRowSaveVsBareExport: round(oneRow.median / exportMs),
    oneRowSaveVsNaive: round(oneRow.median / naiveSave.median),
    oneRowChunksWritten: median(oneRow.runs.map((r) => Number(r.chunksWritten))),
    oneRowBytesWritten: bytesWritten,
    oneRowBytesWrittenPercent: round((100 * bytesWritten) / database.byteLength, 3),
    verifiedLoadMs: round(load.median),
    verifiedLoadVsNaiveLoad: round(load.median / naiveLoad.median),
    restoreMs: round(restore.median),
    preMigrateSnapshotMs: round(preMigrate.median),
    peakMemoryMB: probe.peaks(),
    chunkSizes: await compareChunkSizes(call, options),
  };
  return { ...figures, summary: summarize(figures) };
}

function summarize(f: Record<string, unknown>): Record<string, [unknown, unknown]> {
  return {
    'snapshots: save after a one-row change, bytes written': [`${f.oneRowBytesWrittenPercent} %`, '≤ 0.5 %'],
    'snapshots: save after a one-row change vs bare export()': [`${f.oneRowSaveVsExport}×`, '≤ 1.25×'],
    'snapshots: save after a one-row change vs naive save': [`${f.oneRowSaveVsNaive}×`, '≈ 0.2×'],
    'snapshots: full save vs naive save (export + one put)': [`${f.fullSaveVsNaive}×`, '—'],
    'snapshots: verified load vs one get': [`${f.verifiedLoadVsNaiveLoad}×`, '—'],
    'snapshots: restore (verify + commit)': [`${f.restoreMs} ms`, '—'],
  };
}

/** Full and one-row saves at other chunk sizes: the measurement behind DEFAULT_CHUNK_SIZE. */
async function compareChunkSizes(
  call: <T = Timed>(name: string, ...args: unknown[]) => Promise<T>,
  options: Options,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const size of options.chunkSizes) {
    const name = `size-${size}`;
    const full = await call('fullSave', name, size);
    const oneRow = await repeat(options.repeats, () => call('oneRowSave', name));
    const load = await repeat(3, () => call('verifiedLoad', name));
    await call('drop', name);
    const byteLength = Number(oneRow.runs[0]?.byteLength);
    rows.push({
      chunkSize: size,
      fullSaveMs: round(full.ms),
      oneRowSaveMs: round(oneRow.median),
      oneRowBytesWrittenPercent: round(
        (100 * median(oneRow.runs.map((r) => Number(r.bytesWritten)))) / byteLength,
        3,
      ),
      verifiedLoadMs: round(load.median),
    });
  }
  return rows;
}

async function repeat(n: number, run: () => Promise<Timed>) {
  const runs: Timed[] = [];
  for (let i = 0; i < n; i++) runs.push(await run());
  const values = runs.map((r) => r.ms);
  return { runs, values, median: median(values) };
}

/**
 * Peak memory while an operation runs: the renderer's peak resident set (Linux /proc, reset before each
 * operation through clear_refs) and, everywhere, the JS heap plus ArrayBuffer backing stores sampled
 * through DevTools (`Runtime.getHeapUsage`).
 */
interface MemoryProbe {
  during<T>(run: () => Promise<T>): Promise<T>;
  peaks(): Record<string, unknown>[];
}

async function memoryProbe(context: BrowserContext, page: Page, userDataDir: string): Promise<MemoryProbe> {
  const cdp: CDPSession = await context.newCDPSession(page);
  const results: Record<string, unknown>[] = [];
  let label = 0;
  const names = ['naive save', 'full save', 'one-row save', 'verified load', 'restore'];
  return {
    async during(run) {
      const renderers = rendererPids(userDataDir);
      for (const pid of renderers) resetPeak(pid);
      let heapPeak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const usage = (await cdp.send('Runtime.getHeapUsage')) as {
            usedSize: number;
            backingStorageSize?: number;
          };
          heapPeak = Math.max(heapPeak, usage.usedSize + (usage.backingStorageSize ?? 0));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      try {
        return await run();
      } finally {
        sampling = false;
        await sampler;
        const rss = Math.max(0, ...renderers.map(peakRss));
        results.push({
          operation: names[label++] ?? `operation ${label}`,
          rendererPeakRssMB: rss > 0 ? round(rss / 1024) : null,
          heapAndBuffersPeakMB: round(heapPeak / 1024 / 1024),
        });
      }
    },
    peaks: () => results,
  };
}

function rendererPids(userDataDir: string): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return (
          cmdline.includes(userDataDir) && cmdline.includes('--type=renderer') && !cmdline.includes('webui')
        );
      })
      .map(Number);
  } catch {
    return [];
  }
}

function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the DevTools figure remains.
  }
}

/** VmHWM in KiB. */
function peakRss(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const chunkSizes = argument('chunk-sizes')?.split(',').map(Number) ?? [];
  const figures = await runSnapshotBench({ megabytes: Number(argument('megabytes') ?? 100), chunkSizes });
  console.log(JSON.stringify(figures, null, 2));
}
