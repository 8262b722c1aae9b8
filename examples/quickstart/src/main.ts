import { openDatabase } from 'molt';

const db = openDatabase({
  name: 'notes',
  worker: new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }),
});
await db.ready; // creates or migrates the database to schema.sql, under a cross-tab lock
// Resolves once the row is stored in IndexedDB (a checksummed snapshot): no save() needed.
await db.exec('INSERT INTO notes (body) VALUES (?)', [`opened at ${new Date().toLocaleTimeString()}`]);

const list = document.querySelector('#notes')!;
for (const note of await db.query<{ body: string }>('SELECT body FROM notes ORDER BY id')) {
  list.append(Object.assign(document.createElement('li'), { textContent: note.body }));
}
