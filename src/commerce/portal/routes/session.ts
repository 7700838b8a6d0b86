import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import type { Workspaces } from '../../../platform/sql-workspace/workspaces.ts';
import { whoAmI } from '../../identity.ts';
import { teams } from '../../people.ts';
import { asPerson, type PortalDeps, sessionOf, signInDepsOf } from '../context.ts';
import { errorBody } from '../schemas.ts';
import { signIn, signOut } from '../sign-in.ts';

export const sessionCookie = 'tessera_session';

const me = z.object({
  login: z.string(),
  team: z.enum(teams),
  pii: z.boolean().describe('may read members’ email and mobile_no'),
  csrfToken: z.string().describe('send as the x-csrf-token header with every change'),
});

export function sessionRoutes(app: HttpApp, deps: PortalDeps, workspaces: Workspaces) {
  const signInDeps = signInDepsOf(deps);

  app.post(
    '/api/session',
    {
      config: { public: true, rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        summary: 'Sign in with your database login and password',
        tags: ['session'],
        body: z.object({
          login: z.string().trim().min(1, 'enter your login').max(63),
          password: z.string().min(1, 'enter your password').max(1024),
        }),
        response: { 200: me, 401: errorBody, 403: errorBody, 429: errorBody },
      },
    },
    async (request, reply) => {
      const { login, password } = request.body;
      const { token, session, identity } = await signIn(signInDeps, login, password, request.ip);
      request.log.info({ login }, 'signed in');
      reply.setCookie(sessionCookie, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: 'auto',
      });
      return { login, team: session.team, pii: identity.pii, csrfToken: session.csrfToken };
    },
  );

  app.get(
    '/api/session',
    {
      schema: {
        summary: 'Who is signed in',
        tags: ['session'],
        response: { 200: me, 401: errorBody },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const identity = await asPerson(deps, request, whoAmI);
      return {
        login: session.login,
        team: session.team,
        pii: identity.pii,
        csrfToken: session.csrfToken,
      };
    },
  );

  app.delete(
    '/api/session',
    { schema: { summary: 'Sign out: the session ends on the server', tags: ['session'] } },
    async (request, reply) => {
      const token = request.cookies[sessionCookie];
      await workspaces.close(sessionOf(request).id);
      if (token) await signOut(signInDeps, token);
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.status(204).send();
    },
  );
}
