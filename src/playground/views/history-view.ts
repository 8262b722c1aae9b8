/**
 * History: the ledger of versioned migrations (`_molt_migrations`), and the timeline the snapshots
 * tell, marking where the schema changed between one snapshot and the one before it.
 */
import { h } from '../dom.ts';
import { formatBytes, formatTime, short } from '../format.ts';
import type { SnapshotEntry } from '../session.ts';
import { renderGrid } from './grid.ts';

export interface HistoryData {
  /** Rows of `_molt_migrations`, or undefined when the table does not exist. */
  ledger: Record<string, unknown>[] | undefined;
  userVersion: number;
  snapshots: SnapshotEntry[];
}

/**
 * Renders the history.
 * @example
 * show(el, renderHistory({ ledger, userVersion, snapshots }));
 */
export function renderHistory(data: HistoryData): HTMLElement {
  return h(
    'div',
    { class: 'history' },
    h('h3', null, 'Ledger'),
    h('p', { class: 'muted' }, `PRAGMA user_version = ${data.userVersion}.`),
    data.ledger?.length
      ? renderGrid(Object.keys(data.ledger[0]!), data.ledger, '_molt_migrations')
      : h(
          'p',
          { class: 'muted', 'data-ledger': 'empty' },
          'No versioned migration has run on this database: _molt_migrations is ',
          data.ledger ? 'empty' : 'absent',
          '. The playground applies schemas declaratively; an app that also ships versioned migrations finds each one recorded here with its checksum, duration and snapshot.',
        ),
    h('h3', null, 'Timeline'),
    renderTimeline(data.snapshots),
  );
}

function renderTimeline(snapshots: SnapshotEntry[]): HTMLElement {
  if (snapshots.length === 0) return h('p', { class: 'muted' }, 'No snapshot yet.');
  return h(
    'ol',
    { class: 'timeline', reversed: true },
    snapshots.map((s, i) => {
      const older = snapshots[i + 1];
      const changed = older !== undefined && older.schemaHash !== s.schemaHash;
      return h(
        'li',
        { 'data-reason': s.reason },
        h('strong', null, s.reason),
        ' · ',
        formatTime(s.createdAt),
        ' · ',
        formatBytes(s.byteLength),
        ' · schema ',
        s.schemaHash ? h('code', { title: s.schemaHash }, short(s.schemaHash)) : 'unknown',
        changed ? h('span', { class: 'badge rebuild' }, 'schema changed') : null,
        s.isHead ? h('span', { class: 'badge head' }, 'head') : null,
      );
    }),
  );
}
