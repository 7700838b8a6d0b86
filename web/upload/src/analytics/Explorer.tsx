// The image explorer: any metadata field as a filter (kept in the URL next to the common ones), a
// grid of the stored images that match, and more of them a page at a time.
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError } from '../api.ts';
import { analytics, type Query, queryString } from './analytics-api.ts';
import type { ParamChanges } from './FilterBar.tsx';
import { Choice, Field } from './form.tsx';
import { ImageTile } from './ImageTile.tsx';
import { formatCount } from './number-format.ts';

/** The explorer's own fields, by their API names. Sizes are typed in KB and sent in bytes. */
export const explorerParams = [
  'camera_make',
  'camera_model',
  'colour_space',
  'has_alpha',
  'min_width',
  'max_width',
  'min_height',
  'max_height',
  'min_bytes',
  'max_bytes',
  'min_megapixels',
  'max_megapixels',
  'taken_from',
  'taken_to',
] as const;
type Param = (typeof explorerParams)[number];
type Draft = Record<Param, string>;

const pageSize = 48;
const kilobyte = 1024;

function draftOf(params: URLSearchParams): Draft {
  const draft = Object.fromEntries(
    explorerParams.map((name) => [name, params.get(name) ?? '']),
  ) as Draft;
  for (const name of ['min_bytes', 'max_bytes'] as const)
    if (draft[name]) draft[name] = String(Number(draft[name]) / kilobyte);
  return draft;
}

function changesOf(draft: Draft): ParamChanges {
  const changes: ParamChanges = {};
  for (const name of explorerParams) {
    const value = draft[name].trim();
    const bytes = name === 'min_bytes' || name === 'max_bytes';
    changes[name] = value ? (bytes ? String(Math.round(Number(value) * kilobyte)) : value) : null;
  }
  return changes;
}

export function Explorer(props: {
  params: URLSearchParams;
  common: Query;
  onChange: (changes: ParamChanges) => void;
}) {
  const query: Query = { ...props.common };
  for (const name of explorerParams) query[name] = props.params.get(name) ?? undefined;
  const result = useInfiniteQuery({
    queryKey: ['explorer', queryString(query)],
    queryFn: ({ pageParam }) =>
      analytics.images({ ...query, limit: String(pageSize), cursor: pageParam || undefined }),
    initialPageParam: '',
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const shown = result.data?.pages.flatMap((page) => page.images) ?? [];
  const filtered = explorerParams.some((name) => props.params.get(name));

  return (
    <div className="explorer">
      <ExplorerForm params={props.params} onApply={props.onChange} filtered={filtered} />
      <section className="panel" aria-labelledby="explorer-title">
        <div className="panel-head">
          <h2 id="explorer-title">
            Stored images
            {result.data && (
              <span className="count" data-testid="explorer-count">
                {formatCount(shown.length)}
                {result.hasNextPage ? '+' : ''}
              </span>
            )}
          </h2>
          <span className="muted small">Newest first · only images whose bytes are still kept</span>
        </div>
        {result.isError && (
          <p className="form-error" role="alert">
            {result.error instanceof ApiError ? result.error.message : String(result.error)}
          </p>
        )}
        {result.isPending && (
          <ul className="grid tiles" aria-hidden="true">
            {Array.from({ length: 8 }, (_, n) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity.
              <li key={n} className="card tile skeleton tile-skeleton" />
            ))}
          </ul>
        )}
        {result.data && shown.length === 0 && (
          <div className="empty" data-testid="explorer-empty">
            <p>No stored image matches these filters.</p>
            <p className="muted small">Widen the date range or clear a field.</p>
          </div>
        )}
        {shown.length > 0 && (
          <ul className="grid tiles" aria-label="Stored images" data-testid="explorer-grid">
            {shown.map((image) => (
              <ImageTile key={image.id} image={image} />
            ))}
          </ul>
        )}
        {result.hasNextPage && (
          <div className="load-more">
            <button
              type="button"
              className="button subtle"
              onClick={() => result.fetchNextPage()}
              disabled={result.isFetchingNextPage}
            >
              {result.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

function ExplorerForm(props: {
  params: URLSearchParams;
  filtered: boolean;
  onApply: (changes: ParamChanges) => void;
}) {
  const [draft, setDraft] = useState(() => draftOf(props.params));
  const paramsText = props.params.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the URL's text is what changes.
  useEffect(() => setDraft(draftOf(props.params)), [paramsText]);
  const set = (name: Param) => (value: string) => setDraft((all) => ({ ...all, [name]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply(changesOf(draft));
  };
  const reset = () => props.onApply(Object.fromEntries(explorerParams.map((name) => [name, null])));

  return (
    <form className="panel explorer-form" onSubmit={submit} aria-label="Image filters">
      <div className="explorer-fields">
        <Text label="Camera make" value={draft.camera_make} onChange={set('camera_make')} />
        <Text label="Camera model" value={draft.camera_model} onChange={set('camera_model')} />
        <Choice
          id="explore-colour-space"
          label="Colour space"
          value={draft.colour_space}
          any="Any"
          options={['srgb', 'rgb16', 'cmyk', 'b-w', 'grey16', 'p3'].map((space) => [space, space])}
          onChange={set('colour_space')}
        />
        <Choice
          id="explore-alpha"
          label="Transparency"
          value={draft.has_alpha}
          any="Any"
          options={[
            ['true', 'With alpha'],
            ['false', 'Opaque'],
          ]}
          onChange={set('has_alpha')}
        />
        <Range label="Width (px)" draft={draft} min="min_width" max="max_width" set={set} />
        <Range label="Height (px)" draft={draft} min="min_height" max="max_height" set={set} />
        <Range
          label="Megapixels"
          draft={draft}
          min="min_megapixels"
          max="max_megapixels"
          set={set}
          step="0.1"
        />
        <Range label="Size (KB)" draft={draft} min="min_bytes" max="max_bytes" set={set} />
        <Range
          label="Taken"
          draft={draft}
          min="taken_from"
          max="taken_to"
          set={set}
          type="date"
          wide
        />
      </div>
      <div className="explorer-actions">
        <button type="submit" className="button primary">
          Apply filters
        </button>
        <button type="button" className="button subtle" onClick={reset} disabled={!props.filtered}>
          Reset
        </button>
      </div>
    </form>
  );
}

function Text(props: { label: string; value: string; onChange: (value: string) => void }) {
  const id = `explore-${props.label.toLowerCase().replaceAll(' ', '-')}`;
  return (
    <Field id={id} label={props.label}>
      <input
        id={id}
        type="text"
        value={props.value}
        placeholder="Any"
        onChange={(event) => props.onChange(event.target.value)}
      />
    </Field>
  );
}

/** A field given as a pair of bounds, either of which may be left empty. */
function Range(props: {
  label: string;
  draft: Draft;
  min: Param;
  max: Param;
  set: (name: Param) => (value: string) => void;
  type?: 'number' | 'date';
  step?: string;
  /** Two columns: date inputs need the room. */
  wide?: boolean;
}) {
  const type = props.type ?? 'number';
  const numeric =
    type === 'number' ? { min: '0', step: props.step ?? '1', inputMode: 'decimal' as const } : {};
  return (
    <fieldset className={props.wide ? 'filter-field range-field wide' : 'filter-field range-field'}>
      <legend className="filter-label">{props.label}</legend>
      <div className="range-inputs">
        <input
          type={type}
          aria-label={`${props.label}, from`}
          placeholder="Min"
          value={props.draft[props.min]}
          onChange={(event) => props.set(props.min)(event.target.value)}
          {...numeric}
        />
        <span className="muted" aria-hidden="true">
          –
        </span>
        <input
          type={type}
          aria-label={`${props.label}, to`}
          placeholder="Max"
          value={props.draft[props.max]}
          onChange={(event) => props.set(props.max)(event.target.value)}
          {...numeric}
        />
      </div>
    </fieldset>
  );
}
