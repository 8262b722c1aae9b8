/**
 * An app worker file that gets things wrong on purpose, chosen by `?mode=`:
 * `silent` never calls `serve()`; `late` calls it after an `await`; `wasm-404` and `wasm-html` give
 * sql.js a wasm URL that answers 404, or a page instead of wasm; `bytes` hands over the wasm's bytes.
 */
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { serve } from '../../../src/worker/index.ts';

const schema = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);';
const mode = new URL(self.location.href).searchParams.get('mode');

if (mode === 'late') {
  await new Promise((resolve) => setTimeout(resolve, 500));
  serve({ schema });
} else if (mode === 'wasm-404') {
  serve({ schema, sqlite: { wasmUrl: new URL('/no-such-file.wasm', self.location.href).href } });
} else if (mode === 'wasm-html') {
  serve({ schema, sqlite: { wasmUrl: new URL('/bad-input.html', self.location.href).href } });
} else if (mode === 'bytes') {
  const bytes = new Uint8Array(await (await fetch(wasmUrl)).arrayBuffer());
  serve({ schema, sqlite: { wasmBinary: bytes } });
} else if (mode !== 'silent') {
  throw new Error(`bad-input-worker: unknown mode ${mode}`);
}
