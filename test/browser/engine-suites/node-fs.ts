/** `readFileSync` of node:fs for suites running in a browser worker: a synchronous fetch of the URL. */
export function readFileSync(path: URL | string, encoding?: string): string {
  if (encoding !== 'utf8') throw new Error('only utf8 text here');
  const request = new XMLHttpRequest();
  request.open('GET', String(path), false);
  request.send();
  if (request.status !== 200) throw new Error(`${request.status} for ${String(path)}`);
  return request.responseText;
}
