// The sizes the image API makes on request: named presets, set by IMAGE_RESIZE_PRESETS. Any other
// size is refused, so the work one image can cause, and the objects it can leave, are bounded.
// No sharp here: the configuration reads this module.
import { maxResizeDimension } from './processing/limits.ts';

export const resizeFormats = ['webp', 'avif', 'jpeg'] as const;
export type ResizeFormat = (typeof resizeFormats)[number];

/** `w640`: at most 640 pixels wide, the height in proportion, never larger than the original. */
export type ResizePreset = Readonly<{ name: string; width: number }>;

const PRESET = /^w([1-9][0-9]{0,4})$/;

/** `w320,w640,…` into presets; throws an Error saying which entry is wrong. */
export function parseResizePresets(text: string): ResizePreset[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new Error('names no preset: give e.g. w320,w640');
  if (new Set(names).size !== names.length) throw new Error('names a preset twice');
  return names.map((name) => {
    const width = Number(PRESET.exec(name)?.[1]);
    if (!(width <= maxResizeDimension)) {
      throw new Error(
        `'${name.slice(0, 20)}' is not w<width>, with a width of 1 to ${maxResizeDimension}`,
      );
    }
    return { name, width };
  });
}
