// One image: its thumbnail over a placeholder drawn from its thumbhash, what it is, how long it
// stays, and what can be done with it.
import { useMemo, useState } from 'react';
import { thumbHashToDataURL } from 'thumbhash';
import { ApiError, type ImageSummary, images } from './api.ts';
import { expiresIn, formatBytes, formatDateTime, formatDimensions } from './format.ts';
import { useImageUrl } from './image-urls.ts';

export function ImageCard(props: {
  image: ImageSummary;
  onOpen: () => void;
  onDelete: () => Promise<void>;
}) {
  const { image } = props;
  const thumbnail = useImageUrl(images.url(image.image_id, 'thumbnail'));
  const placeholder = useMemo(() => placeholderOf(image.thumbhash), [image.thumbhash]);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState('');
  const name = image.original_name ?? 'Untitled';

  async function remove() {
    setDeleting(true);
    setError('');
    try {
      await props.onDelete();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
      setDeleting(false);
      setConfirming(false);
    }
  }

  return (
    <li className="card" data-testid="image-card" data-image-id={image.image_id}>
      <button
        type="button"
        className="thumb"
        style={{ backgroundColor: image.dominant_colour }}
        onClick={props.onOpen}
        aria-label={`Open ${name}`}
      >
        {placeholder && <img className="thumb-placeholder" src={placeholder} alt="" />}
        {thumbnail.src && (
          <img className="thumb-image" src={thumbnail.src} alt={name} data-testid="thumbnail" />
        )}
        {thumbnail.failed && <span className="thumb-failed">Thumbnail unavailable</span>}
      </button>
      <div className="card-body">
        <p className="card-name" title={name}>
          {name}
        </p>
        <p className="card-facts muted small">
          <span data-testid="image-format">{image.format.toUpperCase()}</span>
          <span>{formatDimensions(image.width, image.height)}</span>
          <span data-testid="image-size">{formatBytes(image.bytes)}</span>
        </p>
        <p
          className="card-expiry small"
          data-testid="image-expiry"
          title={`Expires ${formatDateTime(image.expires_at)}`}
        >
          {capitalise(expiresIn(image.expires_at))}
        </p>
        {error && (
          <p className="upload-error" role="alert">
            {error}
          </p>
        )}
        <div className="card-actions">
          {confirming ? (
            <>
              <span className="small">Delete?</span>
              <button
                type="button"
                className="button danger small"
                onClick={remove}
                disabled={deleting}
              >
                {deleting ? 'Deleting…' : 'Delete'}
              </button>
              <button
                type="button"
                className="button subtle small"
                onClick={() => setConfirming(false)}
                disabled={deleting}
              >
                Keep
              </button>
            </>
          ) : (
            <>
              <button type="button" className="button subtle small" onClick={props.onOpen}>
                Preview
              </button>
              <a
                className="button subtle small"
                href={images.url(image.image_id)}
                target="_blank"
                rel="noopener noreferrer"
              >
                Original
              </a>
              <button
                type="button"
                className="button subtle small danger-text push icon"
                aria-label="Delete"
                title="Delete this image"
                onClick={() => setConfirming(true)}
              >
                <svg viewBox="0 0 24 24" width="16" height="16" fill="none" aria-hidden="true">
                  <path
                    d="M4 7h16M10 11v6m4-6v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3"
                    stroke="currentColor"
                    strokeWidth="1.8"
                    strokeLinecap="round"
                    strokeLinejoin="round"
                  />
                </svg>
              </button>
            </>
          )}
        </div>
      </div>
    </li>
  );
}

function placeholderOf(thumbhash: string): string | undefined {
  try {
    return thumbHashToDataURL(Uint8Array.from(atob(thumbhash), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
