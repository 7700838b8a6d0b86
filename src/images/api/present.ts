import { AppError } from '../../platform/errors.ts';
import type { ImageRecord } from '../catalogue.ts';

/** What the API shows of an image: no object keys, no location. */
export function present(image: ImageRecord | undefined) {
  if (!image) throw new AppError('not_found', 404, 'There is no such image.');
  const { objects, live: _live, ...rest } = image;
  return { ...rest, derivatives: objects.map(({ object_key: _key, ...o }) => o) };
}
