// Image bytes from the gateway as object URLs. An <img src> pointing at the gateway is a
// cross-origin, no-cors request, which the gateway's Cross-Origin-Resource-Policy: same-origin
// blocks; a fetch in CORS mode with credentials is allowed (the gateway lists this app's origin),
// so the bytes are fetched and shown through a blob: URL. Each URL is fetched once per page load.
import { useEffect, useState } from 'react';

const cache = new Map<string, Promise<string>>();
const made = new Map<string, string>();

export function loadImageUrl(url: string): Promise<string> {
  let pending = cache.get(url);
  if (!pending) {
    pending = fetch(url, { credentials: 'include' })
      .then((response) => {
        if (!response.ok) throw new Error(`The image answered ${response.status}.`);
        return response.blob();
      })
      .then((blob) => {
        const objectUrl = URL.createObjectURL(blob);
        made.set(url, objectUrl);
        return objectUrl;
      });
    // A failure is not kept: the next render may try again.
    pending.catch(() => cache.delete(url));
    cache.set(url, pending);
  }
  return pending;
}

/** Lets go of the object URLs made for URLs that start with `prefix` (all of them without one). */
export function forgetImageUrls(prefix = ''): void {
  for (const [url, objectUrl] of made) {
    if (!url.startsWith(prefix)) continue;
    URL.revokeObjectURL(objectUrl);
    made.delete(url);
    cache.delete(url);
  }
}

export type ImageUrlState = { src?: string; failed: boolean };

export function useImageUrl(url: string | undefined): ImageUrlState {
  const [state, setState] = useState<ImageUrlState>({ failed: false });
  useEffect(() => {
    if (!url) return;
    let current = true;
    setState({ failed: false });
    loadImageUrl(url).then(
      (src) => current && setState({ src, failed: false }),
      () => current && setState({ failed: true }),
    );
    return () => {
      current = false;
    };
  }, [url]);
  return state;
}
