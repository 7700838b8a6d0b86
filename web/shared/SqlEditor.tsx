// Shared by the portal's Query page and the upload app's analytics SQL tab.
// CodeMirror 6 with PostgreSQL highlighting, completion from what the person may use, and
// Ctrl-Enter (Cmd-Enter) to run.
import { PostgreSQL, type SQLNamespace, sql } from '@codemirror/lang-sql';
import { Compartment, Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef } from 'react';

/** Completion's namespace: schema → table → columns. */
export type SqlSchema = SQLNamespace;

type Props = {
  value: string;
  onChange: (text: string) => void;
  onRun: () => void;
  schema: SQLNamespace;
};

export function SqlEditor({ value, onChange, onRun, schema }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  // The latest callbacks, without rebuilding the editor on every render.
  const handlers = useRef({ onChange, onRun });
  handlers.current = { onChange, onRun };

  // Built once; the document changes from outside (a saved query) through the effect below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: built once
  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      doc: value,
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        language.current.of(sql({ dialect: PostgreSQL })),
        Prec.highest(
          keymap.of([
            {
              key: 'Mod-Enter',
              run: () => {
                handlers.current.onRun();
                return true;
              },
            },
          ]),
        ),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) handlers.current.onChange(update.state.doc.toString());
        }),
        EditorView.theme({
          '&': { fontSize: '14px', border: '1px solid #ccc', borderRadius: '4px' },
          '.cm-scroller': { minHeight: '140px', maxHeight: '320px', fontFamily: 'monospace' },
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  useEffect(() => {
    view.current?.dispatch({
      effects: language.current.reconfigure(
        sql({ dialect: PostgreSQL, schema, upperCaseKeywords: false }),
      ),
    });
  }, [schema]);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={host} data-testid="sql-editor" />;
}
