// Where the page is, in the URL hash (`#/analytics/explorer?format=png`): a reload or a shared
// link opens the same view with the same filters, and no server route is needed.
import { useMemo, useSyncExternalStore } from 'react';

export type Route = { path: string; params: URLSearchParams };

export const analyticsPath = '/analytics';

/** A history.replaceState does not fire hashchange: this event says the hash moved anyway. */
const replaced = 'tessera:hash-replaced';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  window.addEventListener(replaced, onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener(replaced, onChange);
  };
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const at = raw.indexOf('?');
  const path = (at < 0 ? raw : raw.slice(0, at)) || '/';
  return { path, params: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)) };
}

export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return useMemo(() => parseHash(hash), [hash]);
}

export function hrefOf(path: string, params?: URLSearchParams): string {
  const search = params?.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

/** Goes to `path`; `replace` keeps typing in a filter field from filling the history. */
export function navigate(path: string, params?: URLSearchParams, replace = false): void {
  const href = hrefOf(path, params);
  if (href === window.location.hash) return;
  if (replace) {
    window.history.replaceState(window.history.state, '', href);
    window.dispatchEvent(new Event(replaced));
  } else {
    window.location.hash = href;
  }
}
