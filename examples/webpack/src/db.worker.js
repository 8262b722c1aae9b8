import { serve } from 'molt/worker';

// webpack's default config has no loader for .sql files: the schema is a string here.
const schema = `
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);`;

serve({ schema });
