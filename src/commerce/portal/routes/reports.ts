import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import { salesIntervals, salesOverTime, topItems, topMembers } from '../../reports.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { sendCsv } from '../csv.ts';
import { errorBody } from '../schemas.ts';

const csvQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const readers = ['logistics', 'analytics'] as const;

export function reportRoutes(app: HttpApp, deps: PortalDeps) {
  app.get(
    '/api/reports/top-members',
    {
      preHandler: teams(deps, readers),
      schema: {
        summary: 'The 10 members who spent most on completed transactions',
        tags: ['reports'],
        querystring: csvQuery,
        response: {
          200: z.object({
            data: z.array(
              z.object({
                membership_id: z.string(),
                first_name: z.string(),
                last_name: z.string(),
                completed_transactions: z.number(),
                total_spent: z.string(),
              }),
            ),
          }),
          403: errorBody,
        },
      },
    },
    async (request, reply) => {
      const data = await asPerson(deps, request, topMembers);
      return request.query.format === 'csv' ? sendCsv(reply, 'top-members', data) : { data };
    },
  );

  app.get(
    '/api/reports/top-items',
    {
      preHandler: teams(deps, readers),
      schema: {
        summary: 'The 3 items bought in the largest quantities (completed transactions)',
        tags: ['reports'],
        querystring: csvQuery,
        response: {
          200: z.object({
            data: z.array(
              z.object({
                item_id: z.number(),
                item_name: z.string(),
                units_bought: z.number(),
                times_bought: z.number(),
                retired: z.boolean(),
              }),
            ),
          }),
          403: errorBody,
        },
      },
    },
    async (request, reply) => {
      const data = await asPerson(deps, request, topItems);
      return request.query.format === 'csv' ? sendCsv(reply, 'top-items', data) : { data };
    },
  );

  app.get(
    '/api/reports/sales',
    {
      preHandler: teams(deps, readers),
      schema: {
        summary: 'Completed sales over time',
        tags: ['reports'],
        querystring: csvQuery.extend({
          interval: z.enum(salesIntervals).default('month'),
          from: z.iso.date().optional().describe('default: a year ago'),
          to: z.iso.date().optional().describe('default: today'),
        }),
        response: {
          200: z.object({
            data: z.array(
              z.object({ period: z.string(), transactions: z.number(), revenue: z.string() }),
            ),
          }),
          403: errorBody,
        },
      },
    },
    async (request, reply) => {
      const { interval, format } = request.query;
      const to = new Date(
        Date.parse(request.query.to ?? new Date().toISOString().slice(0, 10)) + 86_400_000,
      );
      const from =
        request.query.from ?? new Date(to.getTime() - 366 * 86_400_000).toISOString().slice(0, 10);
      const data = await asPerson(deps, request, (db) =>
        salesOverTime(db, interval, from, to.toISOString()),
      );
      return format === 'csv' ? sendCsv(reply, 'sales', data) : { data };
    },
  );
}
