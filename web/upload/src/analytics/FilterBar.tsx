// The filters every analytics view shares: a date range (presets or days picked by hand), the
// source, the format and the owner. They live in the URL, so a reload keeps them.
import { useEffect, useState } from 'react';
import { formats, sources } from './analytics-api.ts';
import { type Filters, presets } from './filters.ts';

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
      <div className="filter-field">
        <label className="filter-label" htmlFor="filter-from">
          From
        </label>
        <input
          id="filter-from"
          type="date"
          value={filters.from}
          max={filters.to || undefined}
          className={custom ? 'custom' : ''}
          onChange={(event) => pickDay('from', event.target.value)}
        />
      </div>
      <div className="filter-field">
        <label className="filter-label" htmlFor="filter-to">
          To
        </label>
        <input
          id="filter-to"
          type="date"
          value={filters.to}
          min={filters.from || undefined}
          className={custom ? 'custom' : ''}
          onChange={(event) => pickDay('to', event.target.value)}
        />
      </div>
      <div className="filter-field">
        <label className="filter-label" htmlFor="filter-source">
          Source
        </label>
        <select
          id="filter-source"
          value={filters.source}
          onChange={(event) => onChange({ source: event.target.value || null })}
        >
          <option value="">All sources</option>
          {sources.map((source) => (
            <option key={source} value={source}>
              {source === 'upload' ? 'Upload' : 'Stream'}
            </option>
          ))}
        </select>
      </div>
      <div className="filter-field">
        <label className="filter-label" htmlFor="filter-format">
          Format
        </label>
        <select
          id="filter-format"
          value={filters.format}
          onChange={(event) => onChange({ format: event.target.value || null })}
        >
          <option value="">All formats</option>
          {formats.map((format) => (
            <option key={format} value={format}>
              {format.toUpperCase()}
            </option>
          ))}
        </select>
      </div>
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
  const [draft, setDraft] = useState(props.value);
  const { value, onCommit } = props;
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft.trim() === value) return;
    const timer = setTimeout(() => onCommit(draft.trim()), 450);
    return () => clearTimeout(timer);
  }, [draft, value, onCommit]);
  return (
    <div className="filter-field owner">
      <label className="filter-label" htmlFor="filter-owner">
        Owner
      </label>
      <input
        id="filter-owner"
        type="search"
        value={draft}
        placeholder="Owner id"
        spellCheck={false}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') onCommit(draft.trim());
        }}
      />
    </div>
  );
}
