// One stored image as the explorer and the near-duplicates show it: its thumbnail (fetched with
// the session, as the gallery does) over its dominant colour, and the metadata analysts filter on.
import { images } from '../api.ts';
import { useImageUrl } from '../image-urls.ts';
import type { ExplorerImage } from './analytics-api.ts';
import { formatDate, formatMegapixels, humanBytes } from './number-format.ts';

export function ImageTile(props: { image: ExplorerImage; compact?: boolean; note?: string }) {
  const { image } = props;
  const thumbnail = useImageUrl(image.hasThumbnail ? images.url(image.id, 'thumbnail') : undefined);
  const camera = [image.cameraMake, image.cameraModel].filter(Boolean).join(' ');
  return (
    <li
      className={props.compact ? 'card tile compact' : 'card tile'}
      data-testid="explorer-image"
      data-image-id={image.id}
    >
      <div className="tile-thumb" style={{ backgroundColor: image.dominantColour }}>
        {thumbnail.src && (
          <img
            src={thumbnail.src}
            alt={`${image.format.toUpperCase()} ${image.width} × ${image.height}`}
            data-testid="thumbnail"
          />
        )}
        {thumbnail.failed && <span className="thumb-failed">Thumbnail unavailable</span>}
        {!image.hasThumbnail && <span className="thumb-failed">Metadata only</span>}
        <span className="tile-badge">{image.format.toUpperCase()}</span>
        {image.source === 'stream' && <span className="tile-badge right">Stream</span>}
      </div>
      <div className="tile-body">
        <p className="tile-facts">
          <strong>
            {image.width} × {image.height}
          </strong>
          <span>{humanBytes(image.bytes)}</span>
          {!props.compact && <span>{formatMegapixels(image.megapixels)}</span>}
        </p>
        {!props.compact && (
          <dl className="tile-meta">
            <dt>Camera</dt>
            <dd title={camera || undefined}>{camera || '—'}</dd>
            <dt>Taken</dt>
            <dd>{image.takenAt ? formatDate(image.takenAt) : '—'}</dd>
            <dt>Stored</dt>
            <dd title={`Expires ${formatDate(image.expiresAt)}`}>{formatDate(image.createdAt)}</dd>
            <dt>Colour</dt>
            <dd>
              {image.colourSpace}
              {image.hasAlpha ? ' · alpha' : ''}
            </dd>
            <dt>Owner</dt>
            <dd className="mono" title={image.ownerId}>
              {image.ownerId}
            </dd>
          </dl>
        )}
        {props.compact && (
          <p className="tile-hash mono" title="Perceptual hash" data-testid="perceptual-hash">
            {image.perceptualHash ?? 'no hash'}
          </p>
        )}
        {props.note && <p className="tile-note">{props.note}</p>}
      </div>
    </li>
  );
}
