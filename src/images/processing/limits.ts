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

export const defaultImageLimits: ImageLimits = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  // imgproxy's default: a 50-megapixel frame decodes to 200 MB of RGBA at most.
  maxPixels: 50_000_000,
  maxDimension: 16_384,
});

/** The largest width or height `resize` makes on request. */
export const maxResizeDimension = 4096;
