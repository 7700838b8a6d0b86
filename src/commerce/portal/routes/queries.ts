// Saved queries: one's own and those others shared (every team sees a shared query). Running one runs it as whoever runs it,
// in their own workspace: sharing a query shares its text, never its author's rights.
import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import {
  createSavedQuery,
  deleteSavedQuery,
  getSavedQuery,
  listSavedQueries,
  updateSavedQuery,
} from '../../workspace/saved-queries.ts';
import { sessionOf } from '../context.ts';
import { errorBody, idParams, timestamp } from '../schemas.ts';
import { resultBody, runAsPerson, statementError, type Workspace } from './sql.ts';

const input = z.object({
  name: z.string().trim().min(1, 'give it a name').max(200),
  sql: z.string().min(1, 'write a statement').max(100_000),
  description: z.string().max(2000).default(''),
  shared: z.boolean().default(false).describe('everyone sees it; running it runs as them'),
});

const saved = z.object({
  id: z.number(),
  owner: z.string(),
  team: z.string().describe('the owner’s team'),
  name: z.string(),
  sql: z.string(),
  description: z.string(),
  shared: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
});

export function queryRoutes(app: HttpApp, workspace: Workspace) {
  const { pool } = workspace.deps;

  app.get(
    '/api/queries',
    {
      schema: {
        summary: 'Your saved queries and the shared ones',
        tags: ['queries'],
        response: { 200: z.object({ data: z.array(saved) }) },
      },
    },
    async (request) => ({ data: await listSavedQueries(pool, sessionOf(request)) }),
  );

  app.post(
    '/api/queries',
    {
      schema: {
        summary: 'Save a query',
        tags: ['queries'],
        body: input,
        response: { 201: saved, 400: errorBody },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createSavedQuery(pool, sessionOf(request), request.body)),
  );

  app.put(
    '/api/queries/:id',
    {
      schema: {
        summary: 'Change a query you saved',
        tags: ['queries'],
        params: idParams,
        body: input,
        response: { 200: saved, 403: errorBody, 404: errorBody },
      },
    },
    async (request) => updateSavedQuery(pool, sessionOf(request), request.params.id, request.body),
  );

  app.delete(
    '/api/queries/:id',
    {
      schema: {
        summary: 'Delete a query you saved',
        tags: ['queries'],
        params: idParams,
        response: { 204: z.null(), 403: errorBody, 404: errorBody },
      },
    },
    async (request, reply) => {
      await deleteSavedQuery(pool, sessionOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/queries/:id/run',
    {
      schema: {
        summary: 'Run a saved query as yourself',
        tags: ['queries'],
        params: idParams,
        body: z
          .object({ params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])) })
          .partial()
          .optional(),
        response: {
          200: resultBody,
          400: statementError,
          403: statementError,
          404: errorBody,
          422: statementError,
          428: errorBody,
        },
      },
    },
    async (request) => {
      const query = await getSavedQuery(pool, sessionOf(request), request.params.id);
      return runAsPerson(workspace, request, query.sql, request.body?.params ?? []);
    },
  );
}
