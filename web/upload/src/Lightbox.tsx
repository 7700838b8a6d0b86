// The preview of one image over the page, with its facts and a link to the original.
import { useEffect, useRef } from 'react';
import { type ImageSummary, images } from './api.ts';
import { expiresIn, formatBytes, formatDateTime, formatDimensions } from './format.ts';
import { useImageUrl } from './image-urls.ts';

export function Lightbox({ image, onClose }: { image: ImageSummary; onClose: () => void }) {
  const preview = useImageUrl(images.url(image.image_id, 'preview'));
  const dialog = useRef<HTMLDialogElement>(null);
  const name = image.original_name ?? 'Untitled';

  useEffect(() => {
    const shown = dialog.current;
    shown?.showModal();
    return () => shown?.close();
  }, []);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes a modal dialog by itself.
    <dialog
      ref={dialog}
      className="lightbox"
      data-testid="lightbox"
      aria-label={name}
      onClose={onClose}
      onClick={(event) => {
        if (event.target === dialog.current) onClose();
      }}
    >
      <figure>
        <div className="lightbox-image" style={{ backgroundColor: image.dominant_colour }}>
          {preview.src && <img src={preview.src} alt={name} data-testid="preview" />}
          {preview.failed && <span className="thumb-failed">The preview could not be loaded.</span>}
        </div>
        <figcaption>
          <div>
            <strong>{name}</strong>
            <p className="muted small">
              {image.format.toUpperCase()} · {formatDimensions(image.width, image.height)} ·{' '}
              {formatBytes(image.bytes)} · uploaded {formatDateTime(image.created_at)} ·{' '}
              {expiresIn(image.expires_at)}
            </p>
          </div>
          <div className="card-actions">
            <a
              className="button subtle small"
              href={images.url(image.image_id)}
              target="_blank"
              rel="noopener noreferrer"
            >
              Open original
            </a>
            <button type="button" className="button primary small" onClick={onClose}>
              Close
            </button>
          </div>
        </figcaption>
      </figure>
    </dialog>
  );
}
