/**
 * The snapshot list: when, why, how big, whether its checksums hold, and what can be done with it.
 */
import { h } from '../dom.ts';
import { formatBytes, formatTime, short } from '../format.ts';
import type { ChecksumStatus, SnapshotEntry } from '../session.ts';

export interface SnapshotHandlers {
  onVerify(id: string): void;
  onRestore(id: string): void;
  onDownload(id: string): void;
}

const REASONS: Record<string, string> = {
  'pre-migrate': 'before a migration',
  save: 'saved',
  manual: 'a database opened or built here',
  restore: 'restored',
};

const STATUS_TEXT: Record<ChecksumStatus, string> = {
  checking: '… checking',
  verified: '✓ verified',
  corrupt: '✗ corrupt',
};

/**
 * Renders the list, newest first.
 * @example
 * show(el, renderSnapshots(await db.snapshots.list(), statuses, handlers));
 */
export function renderSnapshots(
  snapshots: SnapshotEntry[],
  statuses: Map<string, ChecksumStatus>,
  handlers: SnapshotHandlers,
): HTMLElement {
  if (snapshots.length === 0) return h('p', { class: 'muted' }, 'No snapshot has been saved yet.');
  return h(
    'div',
    { class: 'grid-wrap', role: 'region', 'aria-label': 'Snapshots', tabindex: 0 },
    h(
      'table',
      { class: 'grid snapshots' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Taken', 'Reason', 'Size', 'Checksums', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        snapshots.map((s) => {
          const status = statuses.get(s.id);
          return h(
            'tr',
            { 'data-id': s.id, 'data-reason': s.reason },
            h(
              'td',
              null,
              formatTime(s.createdAt),
              h('br'),
              h('code', { class: 'muted', title: s.id }, short(s.id, 15)),
              s.isHead ? h('span', { class: 'badge head' }, 'head') : null,
            ),
            h(
              'td',
              null,
              h('strong', null, s.reason),
              h('br'),
              h('span', { class: 'muted' }, REASONS[s.reason] ?? ''),
            ),
            h('td', { class: 'num' }, formatBytes(s.byteLength)),
            h(
              'td',
              {
                class: `checksum ${status ?? ''}`,
                'data-status': status ?? 'unknown',
                title: `SHA-256 ${s.fileHash}`,
              },
              status ? STATUS_TEXT[status] : 'not checked',
            ),
            h(
              'td',
              null,
              h(
                'div',
                { class: 'row-actions' },
                button('Verify', `Verify snapshot ${s.id}`, () => handlers.onVerify(s.id)),
                button('Restore', `Restore snapshot ${s.id}`, () => handlers.onRestore(s.id), s.isHead),
                button('Download', `Download snapshot ${s.id} as .sqlite`, () => handlers.onDownload(s.id)),
              ),
            ),
          );
        }),
      ),
    ),
  );
}

function button(text: string, label: string, onclick: () => void, disabled = false): HTMLButtonElement {
  return h('button', { type: 'button', class: 'small', 'aria-label': label, onclick, disabled }, text);
}
