// The media type to serve each format as. Formats come from our own records, never from a client.
const contentTypes: Record<string, string> = {
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  heif: 'image/heif',
  tiff: 'image/tiff',
};

/** `image/…` for a format we store; anything else is served as opaque bytes, never sniffed. */
export function contentTypeOf(format: string): string {
  return contentTypes[format.toLowerCase()] ?? 'application/octet-stream';
}
