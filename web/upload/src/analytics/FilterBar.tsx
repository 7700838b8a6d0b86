// The filters every analytics view shares: a date range (presets or days picked by hand), the
// source, the format and the owner. They live in the URL, so a reload keeps them.
import { formats, sources } from './analytics-api.ts';
import { type Filters, presets } from './filters.ts';
import { Choice, Field, useSettledDraft } from './form.tsx';

/** Parameter changes: a string sets it, null removes it. */
export type ParamChanges = Record<string, string | null>;

export function FilterBar(props: {
  filters: Filters;
  onChange: (changes: ParamChanges, replace?: boolean) => void;
  onClear: () => void;
}) {
  const { filters, onChange } = props;
  const pickDay = (which: 'from' | 'to', value: string) =>
    // A day picked by hand makes the range custom; the other end stays where it was.
    onChange({ range: null, from: filters.from, to: filters.to, [which]: value || null });
  const custom = filters.range === 'custom';

  return (
    <section className="filter-bar" aria-label="Filters" data-testid="filter-bar">
      <fieldset className="filter-field preset-field">
        <legend className="filter-label">Date range</legend>
        <div className="segmented compact">
          {presets.map((preset) => (
            <button
              key={preset.key}
              type="button"
              aria-pressed={filters.range === preset.key}
              className={filters.range === preset.key ? 'active' : ''}
              onClick={() => onChange({ range: preset.key, from: null, to: null })}
            >
              {preset.label}
            </button>
          ))}
        </div>
      </fieldset>
      <Field id="filter-from" label="From">
        <input
          id="filter-from"
          type="date"
          value={filters.from}
          max={filters.to || undefined}
          className={custom ? 'custom' : ''}
          onChange={(event) => pickDay('from', event.target.value)}
        />
      </Field>
      <Field id="filter-to" label="To">
        <input
          id="filter-to"
          type="date"
          value={filters.to}
          min={filters.from || undefined}
          className={custom ? 'custom' : ''}
          onChange={(event) => pickDay('to', event.target.value)}
        />
      </Field>
      <Choice
        id="filter-source"
        label="Source"
        value={filters.source}
        any="All sources"
        options={sources.map((source) => [source, source === 'upload' ? 'Upload' : 'Stream'])}
        onChange={(source) => onChange({ source: source || null })}
      />
      <Choice
        id="filter-format"
        label="Format"
        value={filters.format}
        any="All formats"
        options={formats.map((format) => [format, format.toUpperCase()])}
        onChange={(format) => onChange({ format: format || null })}
      />
      <OwnerField
        value={filters.owner}
        onCommit={(owner) => onChange({ owner: owner || null }, true)}
      />
      <button type="button" className="button subtle filter-clear" onClick={props.onClear}>
        Clear
      </button>
    </section>
  );
}

/** Typing waits for a pause before it filters, so each keystroke is not a round of queries. */
function OwnerField(props: { value: string; onCommit: (value: string) => void }) {
  const [draft, setDraft] = useSettledDraft(props.value, props.onCommit, 450, trim);
  return (
    <Field id="filter-owner" label="Owner" className="owner">
      <input
        id="filter-owner"
        type="search"
        value={draft}
        placeholder="Owner id"
        spellCheck={false}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') props.onCommit(draft.trim());
        }}
      />
    </Field>
  );
}

const trim = (text: string) => text.trim();
