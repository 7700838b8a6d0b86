import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import { recordHistory } from '../../history.ts';
import {
  importItems,
  importRowsFromCsv,
  previewItemImport,
  restoreItems,
  retireItems,
} from '../../item-import.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { sendCsv } from '../csv.ts';
import { errorBody, idParams } from '../schemas.ts';
import { historyEntry } from './transaction-batches.ts';

const writers = ['logistics', 'sales'] as const;
const refusals = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const upload = z.object({
  csv: z.string().min(1, 'choose a file').max(1_000_000, 'at most 1 MB'),
});
const verdict = z.enum([
  'valid',
  'duplicate',
  'unknown manufacturer',
  'bad number',
  'missing name',
]);
const report = z.object({
  line: z.number().describe('the line in the file'),
  name: z.string(),
  manufacturer: z.string(),
  cost: z.string(),
  weight: z.string(),
  verdict,
  detail: z.string().nullable(),
});
const many = z.object({
  item_ids: z.array(z.number().int().positive()).min(1, 'choose at least one item').max(1000),
});

export function itemBatchRoutes(app: HttpApp, deps: PortalDeps) {
  app.post(
    '/api/items/import/preview',
    {
      preHandler: teams(deps, writers),
      schema: {
        summary:
          'What importing this CSV (name, manufacturer, cost, weight) would do, row by row. Changes nothing.',
        tags: ['items'],
        querystring: z.object({ format: z.enum(['json', 'csv']).default('json') }),
        body: upload,
        response: {
          200: z.object({ rows: z.array(report), valid: z.number(), total: z.number() }),
          ...refusals,
        },
      },
    },
    async (request, reply) => {
      const rows = importRowsFromCsv(request.body.csv);
      const reports = await asPerson(deps, request, (db) => previewItemImport(db, rows));
      if (request.query.format === 'csv') return sendCsv(reply, 'item-import-report', reports);
      return {
        rows: reports,
        valid: reports.filter((r) => r.verdict === 'valid').length,
        total: reports.length,
      };
    },
  );

  app.post(
    '/api/items/import',
    {
      preHandler: teams(deps, writers),
      schema: {
        summary:
          'Import every item of this CSV through the procedures, or none if one row is not valid',
        tags: ['items'],
        body: upload,
        response: { 201: z.object({ item_ids: z.array(z.number()) }), ...refusals },
      },
    },
    async (request, reply) => {
      const rows = importRowsFromCsv(request.body.csv);
      const ids = await asPerson(deps, request, (db) => importItems(db, rows));
      return reply.status(201).send({ item_ids: ids });
    },
  );

  for (const [action, work] of [
    ['retire', retireItems],
    ['restore', restoreItems],
  ] as const) {
    app.post(
      `/api/items/${action}`,
      {
        preHandler: teams(deps, writers),
        schema: {
          summary: `${action === 'retire' ? 'Retire' : 'Restore'} many items at once: all, or none if one cannot be`,
          tags: ['items'],
          body: many,
          response: { 200: z.object({ count: z.number() }), ...refusals },
        },
      },
      async (request) => {
        await asPerson(deps, request, (db) => work(db, request.body.item_ids));
        return { count: request.body.item_ids.length };
      },
    );
  }

  app.get(
    '/api/items/:id/history',
    {
      schema: {
        summary: 'The audit entries of an item, newest first',
        tags: ['items'],
        params: idParams,
        response: { 200: z.object({ data: z.array(historyEntry) }), 403: errorBody },
      },
    },
    async (request) => ({
      data: await asPerson(deps, request, (db) => recordHistory(db, 'items', request.params.id)),
    }),
  );
}
