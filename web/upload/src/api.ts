// The one way the app talks to the gateway: JSON, the session cookie (credentials: 'include', as
// the gateway is another origin), and the x-tessera-csrf header on every change.
let gateway = '';
let signedOut: () => void = () => {};

export function setGateway(url: string): void {
  gateway = url.replace(/\/+$/, '');
}

/** Called when the gateway no longer knows the session (it ended or went idle). */
export function whenSignedOut(callback: () => void): void {
  signedOut = callback;
}

/** An absolute URL on the gateway, for links, uploads and image bytes. */
export function gatewayUrl(path: string): string {
  return `${gateway}${path}`;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** For invalid input: what is wrong with each field, by name. */
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(gatewayUrl(path), {
      method,
      credentials: 'include',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'GET' ? {} : { 'x-tessera-csrf': '1' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection.');
  }
  if (response.status === 204) return undefined as T;
  const payload = await response.json().catch(() => ({}));
  if (response.status === 401 && !path.startsWith('/api/auth/')) signedOut();
  if (!response.ok) throw errorFrom(response.status, payload);
  return payload as T;
}

/** The gateway's `{ code, message, fields }`, or words for a status that came without them. */
export function errorFrom(status: number, payload: unknown): ApiError {
  const { code, message, fields } = (payload ?? {}) as {
    code?: string;
    message?: string;
    fields?: Record<string, string>;
  };
  return new ApiError(
    status,
    code ?? 'http_error',
    message ?? `The server answered ${status}. Please try again.`,
    fields,
  );
}

export type Me = { id: string; name: string; role: string };

export type ImageSummary = {
  image_id: string;
  format: string;
  bytes: number;
  width: number;
  height: number;
  original_name: string | null;
  dominant_colour: string;
  thumbhash: string;
  created_at: string;
  expires_at: string;
};

export type ImagePage = { data: ImageSummary[]; total: number };

export const auth = {
  me: () => api<Me>('GET', '/api/auth/me'),
  signIn: (email: string, password: string) =>
    api<Me>('POST', '/api/auth/signin', { email, password }),
  signUp: (email: string, password: string) =>
    api<Me>('POST', '/api/auth/signup', { email, password }),
  signOut: () => api<void>('POST', '/api/auth/signout'),
};

export const images = {
  list: (page: number, perPage: number) =>
    api<ImagePage>('GET', `/api/images?page=${page}&per_page=${perPage}`),
  remove: (id: string) => api<void>('DELETE', `/api/images/${encodeURIComponent(id)}`),
  /** Where the bytes of an image are: the original, or one of its derivatives. */
  url: (id: string, variant: 'original' | 'preview' | 'thumbnail' = 'original') =>
    gatewayUrl(
      `/api/images/${encodeURIComponent(id)}${variant === 'original' ? '' : `/${variant}`}`,
    ),
  uploadEndpoint: () => gatewayUrl('/api/images/uploads'),
};
