// Sizes on request: only the configured presets (IMAGE_RESIZE_PRESETS), each made once per image
// and format from the original, kept in the store, and recorded only while the image lives, so a
// resize that finishes after its image was deleted or expired leaves nothing behind.
import type { Db, Pool } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';
import { type ImageRecord, recordObjectWhileLive } from './catalogue.ts';
import { objectKey } from './intake.ts';
import { resize } from './processing/derive.ts';
import type { ImageLimits } from './processing/limits.ts';
import { type ResizeFormat, type ResizePreset, resizeFormats } from './resize-presets.ts';
import type { ObjectStore } from './store/object-store.ts';

export type ResizeDeps = {
  db: Pool;
  store: ObjectStore;
  limits: ImageLimits;
  presets: readonly ResizePreset[];
};

export type MadeResize = {
  name: string;
  format: ResizeFormat;
  width: number;
  height: number;
  bytes: Buffer;
};

/** The preset so named, or a 400 that names the presets there are. */
export function presetNamed(presets: readonly ResizePreset[], name: string | undefined) {
  const preset = presets.find((p) => p.name === name);
  if (preset) return preset;
  throw new AppError(
    'unknown_preset',
    400,
    `${name ? `There is no resize preset '${name.slice(0, 20)}'.` : 'Name a resize preset.'} ` +
      `Ask for one of ${presets.map((p) => p.name).join(', ')} (preset=…), ` +
      `as ${resizeFormats.join(', ')} (format=…).`,
  );
}

/** The image at the preset's size: from the store if made before, else made now and kept. */
export async function presetImage(
  deps: ResizeDeps,
  image: ImageRecord,
  preset: ResizePreset,
  format: ResizeFormat,
): Promise<{ format: string; bytes: Buffer }> {
  const cached = image.objects.find((o) => o.name === objectName(image, preset, format));
  if (cached) return { format: cached.format, bytes: await deps.store.get(cached.object_key) };
  const made = await makeResize(deps, image, preset, format);
  await keepResize(deps, image.image_id, made);
  return made;
}

/** Decodes the original and makes the preset's size; never larger than the original. */
export async function makeResize(
  deps: Pick<ResizeDeps, 'store' | 'limits'>,
  image: ImageRecord,
  preset: ResizePreset,
  format: ResizeFormat,
): Promise<MadeResize> {
  const original = image.objects.find((o) => o.name === 'original');
  if (!original) throw new AppError('not_found', 404, 'This image has no original.');
  const made = await resize(
    await deps.store.get(original.object_key),
    { width: Math.min(preset.width, image.width), format },
    deps.limits,
  );
  return { ...made, name: objectName(image, preset, format), format };
}

/**
 * Stores a size made and records it while the image lives; if the image was deleted or expired
 * meanwhile, deletes it again. True when it was kept.
 */
export async function keepResize(
  deps: { db: Db; store: ObjectStore },
  imageId: string,
  made: MadeResize,
): Promise<boolean> {
  const key = objectKey(imageId, made.name);
  await deps.store.put(key, made.bytes);
  const live = await recordObjectWhileLive(deps.db, imageId, {
    name: made.name,
    format: made.format,
    width: made.width,
    height: made.height,
    bytes: made.bytes.length,
    object_key: key,
  });
  // Had recording failed, the object would be an orphan, which the sweeper removes.
  if (!live) await deps.store.delete(key);
  return live;
}

/**
 * Presets wider than the original all make the original's width, so they share one object: an
 * image has at most one more object per format than there are presets.
 */
function objectName(image: ImageRecord, preset: ResizePreset, format: ResizeFormat): string {
  return `resize-w${Math.min(preset.width, image.width)}-${format}`;
}
