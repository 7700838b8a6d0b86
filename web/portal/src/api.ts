// The one way the UI talks to the portal's API: JSON, the session cookie, and the CSRF token.
import { HttpError } from 'react-admin';

let csrfToken = '';

export function rememberCsrfToken(token: string): void {
  csrfToken = token;
}

/** For the few requests made without `api` (a download read as a blob). */
export function currentCsrfToken(): string {
  return csrfToken;
}

export type ApiError = {
  code: string;
  message: string;
  requestId?: string;
  fields?: Record<string, string>;
};

export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = payload as ApiError;
    // react-admin shows `errors` next to the form fields they belong to.
    const errors = error.fields
      ? Object.fromEntries(
          Object.entries(error.fields).map(([k, v]) => [k.replace(/\.(\d+)\./g, '.$1.'), v]),
        )
      : undefined;
    throw new HttpError(
      error.message ?? `The server answered ${response.status}.`,
      response.status,
      { ...error, errors },
    );
  }
  return payload as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
