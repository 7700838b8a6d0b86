// The analysts' query workspace (the upload app's Analytics section): SQL over the analytics views,
// run on connections logged in as an analytics SQL login (`tessera analytics sql-login`), whose only
// membership is tessera_analytics_reader: the database decides what it reads, and a statement can
// switch to no other role. The login's password is asked when the workspace opens and kept nowhere;
// a workspace lives on one image API instance (another answers 428 until opened there).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sqlState, withCredentials } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import { AppError } from '../../platform/errors.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { answerStatementErrors } from '../../platform/http/statement-errors.ts';
import { catalogFor } from '../../platform/sql-workspace/catalog.ts';
import { explainStatement, runStatement } from '../../platform/sql-workspace/run.ts';
import {
  createWorkspaces,
  type WorkspaceSettings,
} from '../../platform/sql-workspace/workspaces.ts';
import type { Principal } from '../principal.ts';
import { readerRole } from './logins.ts';

const statement = z.object({
  sql: z.string().min(1, 'write a statement').max(100_000),
  params: z
    .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .max(100)
    .default([]),
});

const membership = sql(import.meta.url, '../../platform/sql-workspace/membership.sql');

export async function analyticsWorkspaceRoutes(
  app: HttpApp,
  deps: { databaseUrl: string; sqlWorkspace: WorkspaceSettings },
  principalOf: (request: FastifyRequest) => Principal,
) {
  const limits = deps.sqlWorkspace;
  const workspaces = createWorkspaces(limits);
  app.addHook('onClose', () => workspaces.closeAll());
  const analyst = (request: FastifyRequest) => {
    const principal = principalOf(request);
    if (principal.role !== 'analyst')
      throw new AppError('analysts_only', 403, 'The analytics are for analysts only.');
    return principal.id;
  };
  const tags = ['analytics'];

  await app.register(async (plain) => {
    answerStatementErrors(plain);
    const scope = plain as unknown as HttpApp;

    scope.post(
      '/analytics/sql/open',
      {
        config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
        schema: {
          tags,
          summary: 'Open the SQL workspace with an analytics SQL login and its password',
          body: z.object({
            login: z.string().min(1, 'enter the analytics login').max(63),
            password: z.string().min(1, 'enter its password').max(1024),
          }),
        },
      },
      async (request) => {
        const key = analyst(request);
        if (!deps.databaseUrl)
          throw new AppError('workspace_unavailable', 503, 'The SQL workspace is not set up here.');
        const { login, password } = request.body;
        try {
          await workspaces.open(key, withCredentials(deps.databaseUrl, login, password));
        } catch (error) {
          const state = sqlState(error);
          if (state === '28P01' || state === '28000')
            throw new AppError('sign_in_failed', 401, 'Wrong analytics login or password.');
          throw error;
        }
        const { roles, powers } = await workspaces.use(key, async (db) => {
          const found = await db.query<{ roles: string[]; powers: boolean }>(membership);
          return found.rows[0] ?? { roles: [], powers: true };
        });
        if (powers || roles.length !== 1 || roles[0] !== readerRole) {
          await workspaces.close(key);
          throw new AppError(
            'not_an_analytics_login',
            403,
            `Only an analytics SQL login (a member of ${readerRole} and of nothing else) opens this workspace.`,
          );
        }
        return { open: true };
      },
    );

    scope.get(
      '/analytics/sql',
      { schema: { tags, summary: 'Whether the SQL workspace is open here, and its limits' } },
      async (request) => ({
        open: workspaces.isOpen(analyst(request)),
        statementTimeoutMs: limits.statementTimeout,
        rowLimit: limits.rowLimit,
      }),
    );

    scope.post(
      '/analytics/sql/close',
      { schema: { tags, summary: 'Close the SQL workspace' } },
      async (request) => {
        await workspaces.close(analyst(request));
        return { open: false };
      },
    );

    scope.post(
      '/analytics/sql',
      {
        schema: {
          tags,
          summary: 'Run one statement as the analytics login (read-only, time-limited, capped)',
          body: statement,
        },
      },
      async (request) =>
        workspaces.use(analyst(request), (db) =>
          runStatement(db, limits, request.body.sql, request.body.params),
        ),
    );

    scope.post(
      '/analytics/sql/explain',
      {
        schema: {
          tags,
          summary: 'EXPLAIN (FORMAT JSON) of one statement, optionally ANALYZE',
          body: statement.extend({ analyze: z.boolean().default(false) }),
        },
      },
      async (request) => ({
        plan: await workspaces.use(analyst(request), (db) =>
          explainStatement(db, limits, request.body.sql, request.body.params, request.body.analyze),
        ),
      }),
    );

    scope.get(
      '/analytics/sql/schema',
      { schema: { tags, summary: 'The views the analytics login may read, for autocompletion' } },
      async (request) => ({ schemas: await workspaces.use(analyst(request), catalogFor) }),
    );
  });
}
