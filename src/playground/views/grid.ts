/** A table of rows, as SQLite returned them: NULLs and blobs marked, numbers right-aligned. */
import { h } from '../dom.ts';
import { formatValue } from '../format.ts';

/**
 * Renders rows under the given column names.
 * @example
 * show(el, renderGrid(['id', 'title'], rows, 'todos'));
 */
export function renderGrid(
  columns: string[],
  rows: Record<string, unknown>[],
  caption?: string,
): HTMLElement {
  return h(
    'div',
    { class: 'grid-wrap', tabindex: 0, role: 'region', 'aria-label': caption ?? 'Rows' },
    h(
      'table',
      { class: 'grid' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((row) =>
          h(
            'tr',
            null,
            columns.map((c) => {
              const value = row[c];
              const kind =
                value === null || value === undefined ? 'null' : typeof value === 'number' ? 'num' : '';
              return h('td', { class: kind || null }, formatValue(value));
            }),
          ),
        ),
      ),
    ),
  );
}

/** The column names of a result: those of its first row. */
export function columnsOf(rows: Record<string, unknown>[]): string[] {
  return rows[0] ? Object.keys(rows[0]) : [];
}
