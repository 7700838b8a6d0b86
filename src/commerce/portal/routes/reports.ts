import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../../platform/db/pool.ts';
import type { HttpApp } from '../../../platform/http/server.ts';
import { salesIntervals, salesOverTime, topItems, topMembers } from '../../reports.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { sendCsv } from '../csv.ts';
import { errorBody } from '../schemas.ts';

const csvQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const readers = ['logistics', 'analytics'] as const;

type Report<Q extends z.ZodObject> = {
  name: string;
  summary: string;
  query: Q;
  row: z.ZodObject;
  load: (db: Db, query: z.infer<Q>) => Promise<Record<string, unknown>[]>;
};

/** A report: JSON `{ data }`, or CSV with ?format=csv; for the teams that read transactions. */
function report<Q extends z.ZodObject>(app: HttpApp, deps: PortalDeps, spec: Report<Q>) {
  app.get(
    `/api/reports/${spec.name}`,
    {
      preHandler: teams(deps, readers),
      schema: {
        summary: spec.summary,
        tags: ['reports'],
        querystring: spec.query,
        response: { 200: z.object({ data: z.array(spec.row) }), 403: errorBody },
      },
    },
    async (request: FastifyRequest, reply) => {
      const query = request.query as z.infer<Q> & { format: 'json' | 'csv' };
      const data = await asPerson(deps, request, (db) => spec.load(db, query));
      return query.format === 'csv' ? sendCsv(reply, spec.name, data) : { data };
    },
  );
}

export function reportRoutes(app: HttpApp, deps: PortalDeps) {
  report(app, deps, {
    name: 'top-members',
    summary: 'The 10 members who spent most on completed transactions',
    query: csvQuery,
    row: z.object({
      membership_id: z.string(),
      first_name: z.string(),
      last_name: z.string(),
      completed_transactions: z.number(),
      total_spent: z.string(),
    }),
    load: (db) => topMembers(db),
  });

  report(app, deps, {
    name: 'top-items',
    summary: 'The 3 items bought in the largest quantities (completed transactions)',
    query: csvQuery,
    row: z.object({
      item_id: z.number(),
      item_name: z.string(),
      units_bought: z.number(),
      times_bought: z.number(),
      retired: z.boolean(),
    }),
    load: (db) => topItems(db),
  });

  report(app, deps, {
    name: 'sales',
    summary: 'Completed sales over time',
    query: csvQuery.extend({
      interval: z.enum(salesIntervals).default('month'),
      from: z.iso.date().optional().describe('default: a year ago'),
      to: z.iso.date().optional().describe('default: today'),
    }),
    row: z.object({ period: z.string(), transactions: z.number(), revenue: z.string() }),
    load: (db, query) => {
      const to = new Date(
        Date.parse(query.to ?? new Date().toISOString().slice(0, 10)) + 86_400_000,
      );
      const from =
        query.from ?? new Date(to.getTime() - 366 * 86_400_000).toISOString().slice(0, 10);
      return salesOverTime(db, query.interval, from, to.toISOString());
    },
  });
}
