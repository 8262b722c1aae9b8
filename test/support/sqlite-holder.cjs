// A second process that holds a database file open with better-sqlite3, as an app would, for the CLI
// tests: `node sqlite-holder.cjs <db> <idle|reading|writing|wal>`. It prints `ready` once it holds the
// file, then answers one command per line on stdin: `write`, `columns <table>`, `count <table>`, `end`
// (ends its transaction) and `exit`.
const Database = require('better-sqlite3');

const [path, mode] = process.argv.slice(2);
const db = new Database(path, { timeout: 0 });
if (mode === 'wal') {
  db.pragma('journal_mode = WAL');
  // Keep the WAL unmerged: no automatic checkpoint, and none when this process exits.
  db.pragma('wal_autocheckpoint = 0');
  db.exec("INSERT INTO posts (title) VALUES ('only in the WAL')");
}
if (mode === 'reading') {
  db.exec('BEGIN');
  db.prepare('SELECT count(*) FROM users').get();
}
if (mode === 'writing') db.exec('BEGIN IMMEDIATE');
process.stdout.write('ready\n');

let pending = '';
process.stdin.on('data', (data) => {
  pending += data;
  let end = pending.indexOf('\n');
  while (end !== -1) {
    answer(pending.slice(0, end).trim());
    pending = pending.slice(end + 1);
    end = pending.indexOf('\n');
  }
});

function answer(line) {
  const [command, arg] = line.split(' ');
  try {
    if (command === 'write') {
      db.exec("INSERT INTO posts (title) VALUES ('written by the holder')");
      reply('ok');
    } else if (command === 'columns') {
      reply(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(arg).join(','));
    } else if (command === 'count') {
      reply(String(db.prepare(`SELECT count(*) FROM "${arg}"`).pluck().get()));
    } else if (command === 'end') {
      if (db.inTransaction) db.exec('COMMIT');
      reply('ok');
    } else if (command === 'exit') {
      // Leaves the WAL as it is in WAL mode: a process that dies does not checkpoint.
      process.exit(0);
    }
  } catch (error) {
    reply(`error ${error.code}: ${error.message}`);
  }
}

function reply(text) {
  process.stdout.write(`${text}\n`);
}
