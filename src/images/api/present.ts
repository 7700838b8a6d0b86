import { AppError } from '../../platform/errors.ts';
import type { ImageRecord } from '../catalogue.ts';

/**
 * What the API shows of an image: no object keys, no location; its original name only to its
 * owner (the viewer; uploads are answered to their owner).
 */
export function present(image: ImageRecord | undefined, viewer = image?.owner_id) {
  if (!image) throw new AppError('not_found', 404, 'There is no such image.');
  const { objects, live: _live, original_name, ...rest } = image;
  return {
    ...rest,
    original_name: image.owner_id === viewer ? original_name : null,
    derivatives: objects.map(({ object_key: _key, ...o }) => o),
  };
}
