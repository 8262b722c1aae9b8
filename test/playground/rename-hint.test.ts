/**
 * The playground's "Add this rename hint": the hint lands on the line of the new object, where molt's
 * parser binds it, or right after the name when that line holds more than the object.
 */
import { describe, expect, it } from 'vitest';
import type { Blocker } from '../../src/client/index.ts';
import { addRenameHint } from '../../src/playground/rename-hint.ts';

const column = (object: string, hint: string): Blocker => ({
  kind: 'possible-rename',
  object,
  message: '',
  count: 1,
  hint,
});

describe('addRenameHint', () => {
  it.each([
    {
      name: 'a column on its own line gets a line comment',
      schema: 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  display_name TEXT\n);',
      blocker: column('users.name', 'display_name TEXT -- @renamed from=name'),
      expected:
        'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  display_name TEXT -- @renamed from=name\n);',
    },
    {
      name: 'a column sharing its line gets a block comment after its name',
      schema: 'CREATE TABLE t (a INT, "my col" TEXT);',
      blocker: column('t.old', 'my col TEXT -- @renamed from=old'),
      expected: 'CREATE TABLE t (a INT, "my col" /* @renamed from=old */ TEXT);',
    },
    {
      name: 'a table whose columns start on the next line',
      schema: 'CREATE TABLE IF NOT EXISTS boards (\n  id INTEGER PRIMARY KEY\n);',
      blocker: column('projects', 'CREATE TABLE boards ( -- @renamed from=projects'),
      expected: 'CREATE TABLE IF NOT EXISTS boards ( -- @renamed from=projects\n  id INTEGER PRIMARY KEY\n);',
    },
    {
      name: 'an old name that needs quoting',
      schema: 'CREATE TABLE t2 (a INT);',
      blocker: column('x y', 'CREATE TABLE t2 ( -- @renamed from=x y'),
      expected: 'CREATE TABLE t2 /* @renamed from="x y" */ (a INT);',
    },
    {
      name: 'a line that already has a comment',
      schema: 'CREATE TABLE t (\n  b TEXT, -- the new one\n  c INT\n);',
      blocker: column('t.a', 'b TEXT -- @renamed from=a'),
      expected: 'CREATE TABLE t (\n  b /* @renamed from=a */ TEXT, -- the new one\n  c INT\n);',
    },
  ])('$name', ({ schema, blocker, expected }) => {
    expect(addRenameHint(schema, blocker)).toBe(expected);
  });

  it('gives up (undefined) when the object is not in the schema', () => {
    expect(
      addRenameHint('CREATE TABLE t (a INT);', column('u.x', 'y INT -- @renamed from=x')),
    ).toBeUndefined();
  });
});
