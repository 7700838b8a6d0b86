// Sign-up, sign-in and sign-out for the web app's users; who am I, for any caller. Each is limited
// per address (the route's rate limit); sign-in also per account (sign-in.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { principalNamePattern } from '../principal.ts';
import { callerOf, type GatewayDeps } from './app.ts';
import { addPrincipal, createSession, endSession } from './principals.ts';
import { SignInLocked, signIn } from './sign-in.ts';

export const sessionCookie = 'tessera_gw_session';

const password = z.string().min(10, 'at least 10 characters').max(1024);

// A new account's name is its e-mail address; signing in takes any principal's name, so one
// added with `tessera principals add uma` signs in as `uma` (names are compared case-blind).
const credentials = z.object({
  email: z.string().trim().toLowerCase().email('enter an email address').max(200),
  password,
});
const signInCredentials = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .regex(principalNamePattern, 'enter your email address or name'),
  password,
});

const strict = { rateLimit: { max: 10, timeWindow: '1 minute' } };

export function authRoutes(app: FastifyInstance, deps: GatewayDeps) {
  const startSession = async (principalId: string, reply: import('fastify').FastifyReply) => {
    const token = await createSession(deps.db, principalId, deps.session.lifetime);
    reply.setCookie(sessionCookie, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: 'auto',
    });
  };
  const me = (caller: { principalId: string; name: string; role: string }) => ({
    id: caller.principalId,
    name: caller.name,
    role: caller.role,
  });

  app.post(
    '/api/auth/signup',
    { config: { open: true, ...strict }, schema: { body: credentials } },
    async (request, reply) => {
      const { email, password } = request.body as z.infer<typeof credentials>;
      const principal = await addPrincipal(deps.db, { name: email, role: 'user', password });
      await startSession(principal.principal_id, reply);
      return reply
        .status(201)
        .send({ id: principal.principal_id, name: principal.name, role: principal.role });
    },
  );

  app.post(
    '/api/auth/signin',
    { config: { open: true, ...strict }, schema: { body: signInCredentials } },
    async (request, reply) => {
      const { email, password } = request.body as z.infer<typeof signInCredentials>;
      const caller = await signIn(deps.db, deps.signIn, email, password).catch((error) => {
        if (error instanceof SignInLocked) reply.header('retry-after', String(error.retryAfter));
        throw error;
      });
      await startSession(caller.principalId, reply);
      return me(caller);
    },
  );

  app.post('/api/auth/signout', { config: { open: true } }, async (request, reply) => {
    const token = request.cookies[sessionCookie];
    if (token) await endSession(deps.db, token);
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', async (request) => {
    const caller = callerOf(request);
    if (!caller) throw new AppError('no_credentials', 401, 'Sign in first.');
    return me(caller);
  });
}
