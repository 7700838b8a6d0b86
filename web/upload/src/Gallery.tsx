// My images: a page of thumbnail cards, newest first, with a lightbox for the preview.
import { useCallback, useEffect, useState } from 'react';
import { ApiError, type ImagePage, type ImageSummary, images } from './api.ts';
import { ImageCard } from './ImageCard.tsx';
import { forgetImageUrls } from './image-urls.ts';
import { Lightbox } from './Lightbox.tsx';

const perPage = 24;

export function Gallery({ refreshKey }: { refreshKey: number }) {
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<ImagePage | null>(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState<ImageSummary | null>(null);
  const [reloads, setReloads] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey and reloads ask for a fetch.
  useEffect(() => {
    let current = true;
    images.list(page, perPage).then(
      (next) => {
        if (!current) return;
        setError('');
        // A page emptied by deletions shows the one before it.
        if (next.data.length === 0 && page > 1) setPage(page - 1);
        else setResult(next);
      },
      (caught: unknown) => {
        if (current) setError(caught instanceof ApiError ? caught.message : String(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [page, refreshKey, reloads]);

  const remove = useCallback(async (image: ImageSummary) => {
    await images.remove(image.image_id);
    forgetImageUrls(images.url(image.image_id));
    setOpen((shown) => (shown?.image_id === image.image_id ? null : shown));
    setReloads((n) => n + 1);
  }, []);

  const pages = result ? Math.max(1, Math.ceil(result.total / perPage)) : 1;
  return (
    <section className="panel" aria-labelledby="gallery-title">
      <div className="panel-head">
        <h2 id="gallery-title">
          My images
          {result && result.total > 0 && (
            <span className="count" data-testid="image-count">
              {result.total}
            </span>
          )}
        </h2>
        {pages > 1 && (
          <nav className="pager" aria-label="Pages">
            <button
              type="button"
              className="button subtle small"
              disabled={page <= 1}
              onClick={() => setPage(page - 1)}
            >
              Previous
            </button>
            <span className="muted small">
              Page {page} of {pages}
            </span>
            <button
              type="button"
              className="button subtle small"
              disabled={page >= pages}
              onClick={() => setPage(page + 1)}
            >
              Next
            </button>
          </nav>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {result && result.data.length === 0 && (
        <div className="empty" data-testid="gallery-empty">
          <p>No images yet.</p>
          <p className="muted small">Upload some above; they will appear here.</p>
        </div>
      )}
      {!result && !error && <p className="muted">Loading your images…</p>}
      {result && result.data.length > 0 && (
        <ul className="grid" aria-label="My images">
          {result.data.map((image) => (
            <ImageCard
              key={image.image_id}
              image={image}
              onOpen={() => setOpen(image)}
              onDelete={() => remove(image)}
            />
          ))}
        </ul>
      )}
      {open && <Lightbox image={open} onClose={() => setOpen(null)} />}
    </section>
  );
}
