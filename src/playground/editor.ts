/**
 * SQL editors: CodeMirror 6 with its SQL language (SQLite dialect), following the system's light or
 * dark setting as it changes. Tab is left to move the focus (no indent-with-Tab), so the keyboard
 * can always leave an editor; Ctrl/Cmd+Enter runs the editor's action.
 */
import { closeCompletion } from '@codemirror/autocomplete';
import { SQLite, sql } from '@codemirror/lang-sql';
import { Compartment, Prec } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';

export interface SqlEditorOptions {
  /** The accessible name of the editing area. */
  label: string;
  doc?: string;
  onChange?: (text: string) => void;
  /** Ctrl/Cmd+Enter. */
  onRun?: () => void;
}

export interface SqlEditor {
  view: EditorView;
  get(): string;
  set(text: string): void;
  /** Completes these tables and columns (and SQLite's keywords). */
  setSchema(schema: Record<string, string[]>): void;
  /** Puts the cursor in the editor. */
  focus(): void;
}

const dark = matchMedia('(prefers-color-scheme: dark)');

/** One Dark on a darker ground, so that its comments and names read at WCAG AA contrast (≥ 4.5:1). */
const darkTheme = [
  oneDark,
  EditorView.theme(
    { '&': { backgroundColor: '#15171c' }, '.cm-gutters': { backgroundColor: '#15171c' } },
    { dark: true },
  ),
];

/**
 * Creates an editor inside `parent`.
 * @example
 * const target = createSqlEditor(byId('target-editor'), { label: 'Target schema', onRun: plan });
 */
export function createSqlEditor(parent: HTMLElement, options: SqlEditorOptions): SqlEditor {
  const theme = new Compartment();
  const language = new Compartment();
  const view = new EditorView({
    parent,
    doc: options.doc ?? '',
    extensions: [
      Prec.high(
        keymap.of([
          {
            key: 'Mod-Enter',
            run: (view) => {
              closeCompletion(view);
              options.onRun?.();
              return options.onRun !== undefined;
            },
          },
        ]),
      ),
      basicSetup,
      language.of(sql({ dialect: SQLite, upperCaseKeywords: true })),
      EditorView.lineWrapping,
      theme.of(dark.matches ? darkTheme : []),
      EditorView.contentAttributes.of({ 'aria-label': options.label }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange?.(update.state.doc.toString());
      }),
    ],
  });
  dark.addEventListener('change', () =>
    view.dispatch({ effects: theme.reconfigure(dark.matches ? darkTheme : []) }),
  );
  return {
    view,
    get: () => view.state.doc.toString(),
    set: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus(),
    setSchema: (schema) =>
      view.dispatch({
        effects: language.reconfigure(sql({ dialect: SQLite, upperCaseKeywords: true, schema })),
      }),
  };
}
