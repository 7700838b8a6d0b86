// Who is asking, as the gateway vouches for it. The gateway authenticates every request and passes
// the principal in a header signed with a secret only it and the upstream APIs share, with a
// timestamp; an upstream accepts the header only with a valid, fresh signature, so a client that
// sets the header itself gets nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const principalRoles = ['user', 'engineer', 'analyst', 'admin'] as const;
export type PrincipalRole = (typeof principalRoles)[number];
export type Principal = { id: string; role: PrincipalRole };

export const principalHeader = 'x-tessera-principal';
export const signatureHeader = 'x-tessera-signature';

const idPattern = /^[A-Za-z0-9._@-]{1,200}$/;

export function signPrincipal(
  principal: Principal,
  secret: string,
  now = Date.now(),
): Record<string, string> {
  const value = `${principal.id};${principal.role};${now}`;
  return { [principalHeader]: value, [signatureHeader]: mac(secret, value) };
}

/** The principal, if the headers carry one signed with `secret` less than `maxAge` ms ago. */
export function verifyPrincipal(
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  maxAge = 60_000,
  now = Date.now(),
): Principal | null {
  const value = headers[principalHeader];
  const signature = headers[signatureHeader];
  if (typeof value !== 'string' || typeof signature !== 'string') return null;
  const expected = Buffer.from(mac(secret, value));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const [id = '', role = '', issued = ''] = value.split(';');
  const age = now - Number(issued);
  if (
    !idPattern.test(id) ||
    !(principalRoles as readonly string[]).includes(role) ||
    !(age >= -5_000 && age <= maxAge)
  ) {
    return null;
  }
  return { id, role: role as PrincipalRole };
}

/** Analysts and engineers (and administrators) see every image; users see their own. */
export function seesAll(principal: Principal): boolean {
  return principal.role !== 'user';
}

function mac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}
