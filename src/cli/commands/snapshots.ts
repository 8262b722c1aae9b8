/**
 * `molt snapshots <db>`: the snapshots kept of a database file in `<db>.molt/`, newest first, each
 * with whether its checksums verify. Reads only; works when the database file itself is gone.
 */
import { relative } from 'node:path';
import type { SnapshotProblem, SnapshotStore, VerifyResult } from '../../storage/index.ts';
import { describeProblems, findStore } from '../backup.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { toJson } from '../format.ts';

export const usage = `Usage: molt snapshots <db> [options]

Lists the snapshots of the database file <db> kept in <db>.molt/, newest first: id, why it was taken,
when, its size, and whether its checksums verify. Reasons: 'pre-migrate' (the file before 'molt apply'
or 'molt migrate' changed it), 'save' (the file they wrote, or the file as it was before a restore),
'restore' (a 'molt restore'). The head, marked *, is the newest state of the file the store holds.
Reads only; works when <db> itself is gone. Write one back with 'molt restore <db> <id>'.

Options:
  --json                  print the list as JSON and nothing else on stdout
  -h, --help              show this help

Exit status: 0 listed (whatever the checksums say; 'molt verify' fails on them), 1 error.
`;

const OPTIONS = { json: { type: 'boolean' } } as const;

/** One snapshot as listed. */
export interface SnapshotRow {
  id: string;
  reason: string;
  createdAt: string | null;
  byteLength: number | null;
  isHead: boolean;
  /** The snapshot this one copies (pre-migrate of the head) or restored. */
  sourceId: string | null;
  checksums: 'ok' | 'corrupt';
  problems: SnapshotProblem[];
}

/**
 * Runs `molt snapshots`.
 * @example
 * const code = await run(['app.sqlite', '--json'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('snapshots', argv, OPTIONS, ['db']);
  const [dbPath] = positionals as [string];
  const { store, dir } = await findStore(dbPath);
  const shownDir = `${relative(process.cwd(), dir) || dir}/`;
  let rows: SnapshotRow[] = [];
  if (store) {
    try {
      rows = await listRows(store);
    } finally {
      await store.close();
    }
  }
  if (values.json) context.stdout(`${toJson({ path: dbPath, store: dir, snapshots: rows })}\n`);
  else if (rows.length === 0) context.stdout(`${dbPath} has no snapshots (nothing in ${shownDir}).\n`);
  else context.stdout(formatRows(dbPath, shownDir, rows));
  return EXIT.ok;
}

async function listRows(store: SnapshotStore): Promise<SnapshotRow[]> {
  // One pass over the store verifies every snapshot, hashing each chunk once however many share it.
  const [list, report] = await Promise.all([store.listSnapshots(), store.verifyStore()]);
  const results = new Map<string, VerifyResult>(report.snapshots.map((r) => [r.id, r]));
  const rows: SnapshotRow[] = list.map((s) => {
    const result = results.get(s.id);
    return {
      id: s.id,
      reason: s.reason,
      createdAt: s.createdAt,
      byteLength: s.byteLength,
      isHead: s.isHead,
      sourceId: s.sourceId,
      checksums: result?.kind === 'verified' ? 'ok' : 'corrupt',
      problems: result?.kind === 'corrupt' ? result.problems : [],
    };
  });
  // Manifests that do not decode cannot say what they are; they are listed all the same.
  for (const result of report.snapshots) {
    if (result.kind === 'corrupt' && !list.some((s) => s.id === result.id)) {
      rows.push({
        id: result.id,
        reason: '?',
        createdAt: null,
        byteLength: null,
        isHead: false,
        sourceId: null,
        checksums: 'corrupt',
        problems: result.problems,
      });
    }
  }
  return rows;
}

function formatRows(path: string, dir: string, rows: SnapshotRow[]): string {
  const table = [
    ['', 'ID', 'REASON', 'CREATED', 'SIZE', 'CHECKSUMS'],
    ...rows.map((r) => [
      r.isHead ? '*' : '',
      r.id,
      r.reason,
      r.createdAt ?? '?',
      r.byteLength === null ? '?' : `${r.byteLength.toLocaleString('en-US')} B`,
      r.checksums === 'ok' ? 'ok' : `CORRUPT: ${describeProblems(r.problems)}`,
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => (i === 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const heads = rows.filter((r) => r.isHead).length;
  const count = `${rows.length} snapshot${rows.length === 1 ? '' : 's'}`;
  return `Snapshots of ${path} in ${dir} (${count}, newest first${heads ? '; * is the head' : ''}):\n${lines.join('\n')}\n`;
}
