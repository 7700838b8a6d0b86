// Who is asking, as the gateway vouches for it. The gateway authenticates every request and passes
// the principal in a header signed for that one request: the signature covers the principal, when
// it was issued, the upstream it is meant for (its audience), and the method, path and query the
// upstream receives. Each upstream has its own key, derived from the gateway's secret with its
// name, so a header captured on the way cannot be replayed for another request, after 30 s, or at
// another upstream, and one upstream's key cannot forge a principal for another.
import {
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';

export const principalRoles = ['user', 'engineer', 'analyst', 'admin'] as const;
export type PrincipalRole = (typeof principalRoles)[number];
export type Principal = { id: string; role: PrincipalRole };
/** A principal's name, as gateway.principals checks it: the CLI and the web sign-in take the same. */
export const principalNamePattern = /^[A-Za-z0-9._@+-]{1,200}$/;

export const principalHeader = 'x-tessera-principal';
export const signatureHeader = 'x-tessera-signature';

/** The image API's name as an audience (and the name its key is derived with). */
export const imageApiAudience = 'images';

/** A signed header is good for this long after it was issued (and 5 s before, for clock skew). */
export const principalMaxAge = 30_000;
const clockSkew = 5_000;

/** The request a header is signed for: as the upstream receives it (after the gateway's rewrite). */
export type SignedRequest = { method: string; url: string; audience: string };

const idPattern = /^[A-Za-z0-9._@-]{1,200}$/;
const audiencePattern = /^[a-z0-9-]{1,100}$/;

/**
 * The key an upstream verifies principals with: HKDF-SHA256 of the gateway's secret, with the
 * upstream's name as info. `tessera principals upstream-key <name>` prints it for an upstream.
 */
export function principalKey(secret: string, audience: string): Buffer {
  if (!audiencePattern.test(audience)) throw new Error(`"${audience}" is not an upstream name`);
  return Buffer.from(hkdfSync('sha256', secret, 'tessera principal header', audience, 32));
}

// Deriving is cheap but not free, and every request needs it: each (secret, audience) once.
// A KeyObject, so that each HMAC does not prepare the key again.
const keys = new Map<string, KeyObject>();
function keyFor(secret: string, audience: string): KeyObject {
  const id = `${audience}\n${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = createSecretKey(principalKey(secret, audience));
    keys.set(id, key);
  }
  return key;
}

export function signPrincipal(
  principal: Principal,
  secret: string,
  request: SignedRequest,
  now = Date.now(),
): Record<string, string> {
  const value = `${principal.id};${principal.role};${now};${request.audience}`;
  return {
    [principalHeader]: value,
    [signatureHeader]: mac(keyFor(secret, request.audience), value, request),
  };
}

/**
 * The principal, if the headers carry one signed with `secret` for this very request (method,
 * path and query as received, and this upstream as audience) at most 30 s ago.
 */
export function verifyPrincipal(
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  request: SignedRequest,
  now = Date.now(),
): Principal | null {
  const value = headers[principalHeader];
  const signature = headers[signatureHeader];
  if (typeof value !== 'string' || typeof signature !== 'string') return null;
  const expected = Buffer.from(mac(keyFor(secret, request.audience), value, request));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const [id = '', role = '', issued = '', audience = ''] = value.split(';');
  const age = now - Number(issued);
  if (
    !idPattern.test(id) ||
    !(principalRoles as readonly string[]).includes(role) ||
    audience !== request.audience ||
    !(age >= -clockSkew && age <= principalMaxAge)
  ) {
    return null;
  }
  return { id, role: role as PrincipalRole };
}

/** Analysts and engineers (and administrators) see every image; users see their own. */
export function seesAll(principal: Principal): boolean {
  return principal.role !== 'user';
}

function mac(key: KeyObject, value: string, request: SignedRequest): string {
  return createHmac('sha256', key)
    .update(`${value}\n${request.method.toUpperCase()}\n${request.url}`)
    .digest('base64url');
}
