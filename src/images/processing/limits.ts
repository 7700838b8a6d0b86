/**
 * How much an upload may hold. Every limit is checked from the file's size and header before a
 * pixel is decoded; sharp's own pixel limit stays on as a second guard.
 */
export type ImageLimits = {
  /** Bytes of the uploaded file. */
  maxBytes: number;
  /** Width × height of one frame, as the header declares it. */
  maxPixels: number;
  /** Width or height, whichever is larger. */
  maxDimension: number;
};

// The limits are IMAGE_MAX_MB, IMAGE_MAX_PIXELS (50 million by default, imgproxy's: a frame then
// decodes to 200 MB of RGBA at most) and IMAGE_MAX_DIMENSION: config.images.limits.

/** The largest width or height `resize` makes on request. */
export const maxResizeDimension = 4096;
