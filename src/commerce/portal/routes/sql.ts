// The query workspace: statements run on connections logged in as the person, opened with the
// password they give (never on the authenticator's connections, from which a statement could
// switch to another person's role).
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { arrayRowsToCsv } from '../../../platform/csv.ts';
import type { HttpApp } from '../../../platform/http/server.ts';
import { catalogFor } from '../../../platform/sql-workspace/catalog.ts';
import {
  explainStatement,
  type Result,
  runStatement,
  streamStatement,
} from '../../../platform/sql-workspace/run.ts';
import type { Workspaces } from '../../../platform/sql-workspace/workspaces.ts';
import { history, type Kind, logged, queryLog } from '../../workspace/query-log.ts';
import { asPerson, type PortalDeps, sessionOf, signInDepsOf, teams } from '../context.ts';
import { errorBody, timestamp } from '../schemas.ts';
import { asOwnLogin } from '../sign-in.ts';

export const statementBody = z.object({
  sql: z.string().min(1, 'write a statement').max(100_000),
  params: z
    .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .max(100)
    .default([])
    .describe('values for $1, $2, …'),
});

export const statementError = errorBody.extend({
  sqlstate: z.string().optional().describe('PostgreSQL’s SQLSTATE'),
  position: z.number().nullable().optional().describe('where in the statement (1-based)'),
});

export const resultBody = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(z.unknown())),
  rowCount: z.number().int(),
  truncated: z.boolean().describe('more rows than SQL_ROW_LIMIT: download the CSV for all'),
  ms: z.number(),
});

const refusals = {
  400: statementError,
  403: statementError,
  422: statementError,
  428: errorBody,
};

export type Workspace = { deps: PortalDeps; workspaces: Workspaces };

/** Runs `statement` in the person's workspace, recorded in the query log. */
export function runAsPerson(
  { deps, workspaces }: Workspace,
  request: FastifyRequest,
  statement: string,
  params: unknown[],
): Promise<Result> {
  const session = sessionOf(request);
  const limits = deps.workspace;
  return workspaces.use(session.id, (connection) =>
    logged(
      deps.pool,
      session,
      'run',
      statement,
      () => runStatement(connection, limits, statement, params),
      (result) => result.rowCount,
    ),
  );
}

export function sqlRoutes(app: HttpApp, workspace: Workspace) {
  const { deps, workspaces } = workspace;
  const limits = deps.workspace;
  const signInDeps = signInDepsOf(deps);
  const inWorkspace = <T>(
    request: FastifyRequest,
    kind: Kind,
    statement: string,
    work: (connection: Parameters<Parameters<Workspaces['use']>[1]>[0]) => Promise<T>,
    rows: (result: T) => number | null,
  ) => {
    const session = sessionOf(request);
    return workspaces.use(session.id, (connection) =>
      logged(deps.pool, session, kind, statement, () => work(connection), rows),
    );
  };

  app.get(
    '/api/sql',
    {
      schema: {
        summary: 'Whether your query workspace is open on this portal instance, and its limits',
        tags: ['sql'],
        response: {
          200: z.object({
            open: z.boolean(),
            statementTimeoutMs: z.number(),
            rowLimit: z.number(),
          }),
        },
      },
    },
    async (request) => ({
      open: workspaces.isOpen(sessionOf(request).id),
      statementTimeoutMs: limits.statementTimeout,
      rowLimit: limits.rowLimit,
    }),
  );

  app.post(
    '/api/sql/open',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        summary: 'Open your query workspace with your database password (kept nowhere)',
        description:
          'Opens a few connections logged in as you, on this portal instance only; they close after SQL_IDLE_TIMEOUT without use and at sign-out.',
        tags: ['sql'],
        body: z.object({ password: z.string().min(1, 'enter your password').max(1024) }),
        response: { 200: z.object({ open: z.literal(true) }), 401: errorBody, 429: errorBody },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      await asOwnLogin(signInDeps, session.login, request.body.password, (url) =>
        workspaces.open(session.id, url),
      );
      return { open: true as const };
    },
  );

  app.post(
    '/api/sql/close',
    { schema: { summary: 'Close your query workspace', tags: ['sql'] } },
    async (request, reply) => {
      await workspaces.close(sessionOf(request).id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/sql',
    {
      schema: {
        summary: 'Run one statement as yourself (read-only, time-limited, rows capped)',
        tags: ['sql'],
        body: statementBody,
        response: { 200: resultBody, ...refusals },
      },
    },
    async (request) => runAsPerson(workspace, request, request.body.sql, request.body.params),
  );

  app.post(
    '/api/sql/explain',
    {
      schema: {
        summary: 'The plan of one statement: EXPLAIN (FORMAT JSON), optionally ANALYZE',
        tags: ['sql'],
        body: statementBody.extend({
          analyze: z.boolean().default(false).describe('run it (read-only, time-limited)'),
        }),
        response: { 200: z.object({ plan: z.unknown() }), ...refusals },
      },
    },
    async (request) => {
      const { sql, params, analyze } = request.body;
      const plan = await inWorkspace(
        request,
        'explain',
        sql,
        (connection) => explainStatement(connection, limits, sql, params, analyze),
        () => null,
      );
      return { plan };
    },
  );

  app.post(
    '/api/sql/csv',
    {
      schema: {
        summary: 'Every row of one statement as CSV, streamed, without the row cap',
        tags: ['sql'],
        body: statementBody,
        response: refusals,
      },
    },
    async (request, reply) => {
      const { sql, params } = request.body;
      const out = new PassThrough();
      let started: () => void = () => {};
      const firstPage = new Promise<void>((resolve) => {
        started = resolve;
      });
      const done = inWorkspace(
        request,
        'csv',
        sql,
        (connection) =>
          streamStatement(connection, limits, sql, params, async (header, rows) => {
            if (out.destroyed) throw new Error('the download was cancelled');
            if (!out.write(arrayRowsToCsv(rows, header))) {
              await Promise.race([once(out, 'drain'), once(out, 'close')]);
            }
            started();
          }),
        (count) => count,
      );
      // A refusal before the first page is an answer of its own; after it, the download breaks.
      await Promise.race([firstPage, done]);
      done.then(
        () => out.end(),
        (error) => out.destroy(error),
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="query.csv"')
        .send(out as never);
    },
  );

  app.get(
    '/api/sql/schema',
    {
      schema: {
        summary: 'The schemas, tables, views, columns and procedures you may use',
        tags: ['sql'],
        response: {
          200: z.object({
            schemas: z.array(
              z.object({
                name: z.string(),
                tables: z.array(
                  z.object({
                    name: z.string(),
                    kind: z.enum(['table', 'view']),
                    columns: z.array(z.object({ name: z.string(), type: z.string() })),
                  }),
                ),
                procedures: z.array(
                  z.object({
                    name: z.string(),
                    kind: z.enum(['function', 'procedure']),
                    arguments: z.string(),
                  }),
                ),
              }),
            ),
          }),
          428: errorBody,
        },
      },
    },
    async (request) => ({ schemas: await workspaces.use(sessionOf(request).id, catalogFor) }),
  );

  const entry = z.object({
    id: z.number(),
    kind: z.enum(['run', 'explain', 'csv']),
    statement: z.string(),
    started_at: timestamp,
    ms: z.number(),
    row_count: z.number().nullable(),
    sqlstate: z.string().nullable(),
    error: z.string().nullable(),
  });

  app.get(
    '/api/sql/history',
    {
      schema: {
        summary: 'Your last 100 statements',
        tags: ['sql'],
        response: { 200: z.object({ data: z.array(entry) }) },
      },
    },
    async (request) => ({ data: await history(deps.pool, sessionOf(request).login) }),
  );

  app.get(
    '/api/admin/query-log',
    {
      preHandler: teams(deps, ['admin']),
      schema: {
        summary: 'Every statement run in query workspaces, by whom (administrators)',
        tags: ['admin'],
        querystring: z.object({
          page: z.coerce.number().int().min(1).default(1),
          per_page: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            data: z.array(entry.extend({ login: z.string(), team: z.string() })),
            total: z.number(),
          }),
          403: errorBody,
        },
      },
    },
    // As the administrator: their team's grant on the log is what lets them read it.
    async (request) =>
      asPerson(deps, request, (db) => queryLog(db, request.query.page, request.query.per_page)),
  );
}
