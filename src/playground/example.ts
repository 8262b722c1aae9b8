/**
 * The example the page opens with: a small to-do app whose database holds rows at v1, and the v2
 * schema its next release ships. v2 needs all three kinds of change worth seeing: renames declared
 * with `-- @renamed from=`, a table rebuild (SQLite cannot ALTER a column's DEFAULT), and a new index.
 */

/** v1: the CREATE statements and the rows the app's users have written so far. */
export const EXAMPLE_CURRENT = `-- The example app at v1, with its users' rows.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL
);

CREATE TABLE todos (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  done INTEGER,
  due TEXT
);

CREATE INDEX todos_by_project ON todos(project_id);

CREATE VIEW open_todos AS SELECT id, project_id, title FROM todos WHERE done = 0;

INSERT INTO users (id, email, name) VALUES
  (1, 'ada@example.org', 'Ada'),
  (2, 'grace@example.org', 'Grace'),
  (3, 'linus@example.org', NULL);

INSERT INTO projects (owner_id, title) VALUES
  (1, 'Analytical engine'),
  (2, 'Compiler'),
  (2, 'Moth log'),
  (3, 'Kernel');

INSERT INTO todos (project_id, title, done, due) VALUES
  (1, 'Punch the cards', 1, '1843-07-01'),
  (1, 'Write note G', 0, '1843-09-01'),
  (1, 'Find a sponsor', NULL, NULL),
  (2, 'Parse arithmetic', 1, '1952-05-01'),
  (2, 'Link the subroutines', 0, '1952-11-15'),
  (2, 'Explain nanoseconds', 0, NULL),
  (3, 'Tape the moth into the log', 1, '1947-09-09'),
  (4, 'Boot on a 386', 1, '1991-09-17'),
  (4, 'Answer the mailing list', NULL, '1991-10-05'),
  (4, 'Port to another CPU', 0, NULL);
`;

/** v2: the schema the next release declares. */
export const EXAMPLE_TARGET = `-- The example app at v2. What changes since v1:
--  * users.name becomes display_name: a rename, said
--    with a hint, because molt never guesses one;
--  * todos.done gets NOT NULL DEFAULT 0. SQLite cannot
--    ALTER a default, so todos is rebuilt: its rows are
--    copied, its NULLs get the default, and the view
--    over it is dropped and created again around it;
--  * a new partial index for what is left to do.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  display_name TEXT -- @renamed from=name
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL
);

CREATE TABLE todos (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  due TEXT
);

CREATE INDEX todos_by_project ON todos(project_id);
CREATE INDEX todos_left ON todos(project_id, due) WHERE done = 0;

CREATE VIEW open_todos AS SELECT id, project_id, title FROM todos WHERE done = 0;
`;
