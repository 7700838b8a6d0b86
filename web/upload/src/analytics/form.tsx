// The pieces the analytics forms are made of: a labelled field, a choice with an "any" option, and
// a draft that is committed once the person pauses (typing, dragging), not at every keystroke.
import { type ReactNode, useEffect, useState } from 'react';

export function Field(props: {
  id: string;
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={props.className ? `filter-field ${props.className}` : 'filter-field'}>
      <label className="filter-label" htmlFor={props.id}>
        {props.label}
      </label>
      {props.children}
    </div>
  );
}

/** A select whose empty value means "any"; options are [value, label] pairs. */
export function Choice(props: {
  id: string;
  label: string;
  value: string;
  any: string;
  options: ReadonlyArray<readonly [string, string]>;
  onChange: (value: string) => void;
}) {
  return (
    <Field id={props.id} label={props.label}>
      <select
        id={props.id}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      >
        <option value="">{props.any}</option>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </Field>
  );
}

const unchanged = <T,>(draft: T): T => draft;

/**
 * A local draft of `value`, committed `delay` ms after it last changed (as `settle` makes it);
 * a new `value` from outside replaces the draft.
 */
export function useSettledDraft<T>(
  value: T,
  commit: (value: T) => void,
  delay: number,
  settle: (draft: T) => T = unchanged,
) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    const settled = settle(draft);
    if (settled === value) return;
    const timer = setTimeout(() => commit(settled), delay);
    return () => clearTimeout(timer);
  }, [draft, value, commit, delay, settle]);
  return [draft, setDraft] as const;
}
