// Groups of stored images whose perceptual hashes differ in at most `distance` bits: the same
// picture uploaded twice, re-encoded or retouched. No BI tool finds these.
import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../api.ts';
import { analytics, type ExplorerImage, type Query, queryString } from './analytics-api.ts';
import { useSettledDraft } from './form.tsx';
import { ImageTile } from './ImageTile.tsx';
import { formatCount, humanBytes } from './number-format.ts';

export const defaultDistance = 6;

export function NearDuplicates(props: {
  distance: number;
  common: Query;
  onDistance: (distance: number) => void;
}) {
  const query: Query = { ...props.common, distance: String(props.distance) };
  const result = useQuery({
    queryKey: ['near-duplicates', queryString(query)],
    queryFn: () => analytics.nearDuplicates(query),
  });
  const groups = result.data?.groups;
  // Of the images listed: a large group lists its first ones only.
  const wasted = (groups ?? []).reduce(
    (sum, group) => sum + group.images.slice(1).reduce((bytes, image) => bytes + image.bytes, 0),
    0,
  );

  return (
    <section className="panel" aria-labelledby="duplicates-title">
      <div className="panel-head wrap">
        <div>
          <h2 id="duplicates-title">
            Near-duplicates
            {groups && (
              <span className="count" data-testid="duplicate-count">
                {formatCount(groups.length)} {groups.length === 1 ? 'group' : 'groups'}
              </span>
            )}
          </h2>
          <p className="muted small">
            Stored images whose perceptual hashes differ in at most the chosen number of bits
            {groups && groups.length > 0 && ` · at least ${humanBytes(wasted)} held more than once`}
          </p>
        </div>
        <DistanceSlider value={props.distance} onChange={props.onDistance} />
      </div>
      {result.isError && (
        <p className="form-error" role="alert">
          {result.error instanceof ApiError ? result.error.message : String(result.error)}
        </p>
      )}
      {!groups && !result.isError && (
        <div className="dup-groups" aria-hidden="true">
          <div className="skeleton dup-skeleton" />
          <div className="skeleton dup-skeleton" />
        </div>
      )}
      {groups && groups.length === 0 && (
        <div className="empty" data-testid="duplicates-empty">
          <p>No near-duplicates within {props.distance} bits.</p>
          <p className="muted small">Raise the distance, or widen the filters.</p>
        </div>
      )}
      {groups && groups.length > 0 && (
        <ol className={result.isFetching ? 'dup-groups refreshing' : 'dup-groups'}>
          {groups.map((group, index) => (
            <li
              key={group.images.map((image) => image.id).join()}
              className="dup-group"
              data-testid="duplicate-group"
            >
              <div className="dup-head">
                <strong>Group {index + 1}</strong>
                <span className="muted small">
                  {formatCount(group.images.length + group.more)} images · within{' '}
                  {group.maxDistance} {group.maxDistance === 1 ? 'bit' : 'bits'}
                </span>
              </div>
              <ul className="grid tiles dup-row">
                {group.images.map((image, at) => (
                  <ImageTile key={image.id} image={image} compact note={noteOf(group.images, at)} />
                ))}
              </ul>
              {group.more > 0 && (
                <p className="muted small dup-more" data-testid="duplicate-more">
                  and {formatCount(group.more)} more
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function DistanceSlider(props: { value: number; onChange: (value: number) => void }) {
  // Dragging asks once it pauses, not at every step.
  const [draft, setDraft] = useSettledDraft(props.value, props.onChange, 250);
  return (
    <label className="distance">
      <span className="filter-label">Hamming distance</span>
      <input
        type="range"
        min={0}
        max={10}
        step={1}
        value={draft}
        aria-valuetext={`${draft} bits`}
        data-testid="distance"
        onChange={(event) => setDraft(Number(event.target.value))}
      />
      <output className="distance-value">
        ≤ {draft} {draft === 1 ? 'bit' : 'bits'}
      </output>
    </label>
  );
}

/** The first image is the reference; the others say how far their hash is from it. */
function noteOf(group: ExplorerImage[], at: number): string {
  if (at === 0) return 'Reference';
  const bits = hamming(group[0]?.perceptualHash, group[at]?.perceptualHash);
  return bits === null ? '' : `${bits} ${bits === 1 ? 'bit' : 'bits'} from the reference`;
}

/** Bits that differ between two hex hashes of the same length, or null if they cannot be read. */
export function hamming(a: string | null | undefined, b: string | null | undefined): number | null {
  if (!a || !b || a.length !== b.length || !/^[0-9a-f]+$/i.test(a + b)) return null;
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    let x = Number.parseInt(a.charAt(i), 16) ^ Number.parseInt(b.charAt(i), 16);
    while (x) {
      bits += x & 1;
      x >>= 1;
    }
  }
  return bits;
}
