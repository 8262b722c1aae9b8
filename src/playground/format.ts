/** Numbers, sizes, times and SQL values as people read them. */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A date as local date and time, to the second. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    ...(date.getFullYear() === new Date().getFullYear() ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** A cell of a result grid: NULL and blobs are shown for what they are. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Uint8Array) return `BLOB (${formatBytes(value.byteLength)})`;
  return String(value);
}

/** An identifier quoted for SQL (the page builds a few statements itself: browsing a table). */
export function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The short form of a snapshot id or a hash, for tables. */
export function short(id: string, length = 8): string {
  return id.length > length ? id.slice(0, length) : id;
}
