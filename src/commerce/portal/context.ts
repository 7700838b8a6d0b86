import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, Pool } from '../../platform/db/pool.ts';
import { asRole } from '../../platform/db/role-session.ts';
import { AppError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import type { WorkspaceSettings } from '../../platform/sql-workspace/workspaces.ts';
import type { Team } from '../people.ts';
import type { Session, SessionCache, SessionSettings, SignInDeps } from './sign-in.ts';

export type PortalDeps = {
  /** Connected as the authenticator role, which can do nothing but switch to a person. */
  pool: Pool;
  /** The authenticator's URL; sign-in connects to the same database as the person. */
  databaseUrl: string;
  log: Logger;
  allowCidrs: readonly string[];
  trustProxy: readonly string[];
  sessions: SessionSettings;
  /** Sessions just read, trusted while revocations are heard (sign-in.ts); none without. */
  sessionCache?: SessionCache | undefined;
  /** The query workspace's limits (SQL_STATEMENT_TIMEOUT, SQL_ROW_LIMIT, SQL_IDLE_TIMEOUT). */
  workspace: WorkspaceSettings;
  /** Where the built browser UI is; without it only the API is served. */
  webRoot?: string | undefined;
  /**
   * The portal's own team checks, in front of the database's. Tests turn them off to prove that
   * PostgreSQL refuses on its own.
   */
  checkTeams?: boolean;
};

export function signInDepsOf(deps: PortalDeps): SignInDeps {
  return {
    db: deps.pool,
    databaseUrl: deps.databaseUrl,
    settings: deps.sessions,
    cache: deps.sessionCache,
  };
}

const sessions = new WeakMap<FastifyRequest, Session>();

export function setSession(request: FastifyRequest, session: Session): void {
  sessions.set(request, session);
}

export function sessionOf(request: FastifyRequest): Session {
  const session = sessions.get(request);
  if (!session) throw new AppError('not_signed_in', 401, 'Please sign in.');
  return session;
}

/**
 * Runs `work` in one transaction as the signed-in person. Work that is a single statement says so
 * (`oneStatement`): its transaction then takes one round trip to PostgreSQL instead of two.
 */
export function asPerson<T>(
  deps: PortalDeps,
  request: FastifyRequest,
  work: (db: Db) => Promise<T>,
  options: { oneStatement?: boolean } = {},
): Promise<T> {
  const context = { role: sessionOf(request).login, requestId: request.id };
  return asRole(deps.pool, context, work, options);
}

/** A route's team check: the UI's guide, in front of the database that enforces the same rules. */
export function teams(deps: PortalDeps, allowed: readonly Team[]) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (deps.checkTeams === false) return;
    const { team } = sessionOf(request);
    if (!allowed.includes(team)) {
      throw new AppError('forbidden', 403, `The ${team} team may not do this.`);
    }
  };
}
