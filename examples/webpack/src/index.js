import { openDatabase } from 'molt';

const db = openDatabase({
  name: 'notes',
  worker: new Worker(new URL('./db.worker.js', import.meta.url), { type: 'module' }),
});
await db.ready; // creates or migrates the database to the worker's schema, under a cross-tab lock
await db.exec('INSERT INTO notes (body) VALUES (?)', [`opened at ${new Date().toLocaleTimeString()}`]);
await db.save(); // a checksummed snapshot in IndexedDB

const list = document.querySelector('#notes');
for (const note of await db.query('SELECT body FROM notes ORDER BY id')) {
  list.append(Object.assign(document.createElement('li'), { textContent: note.body }));
}
