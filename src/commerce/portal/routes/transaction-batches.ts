import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import { recordHistory } from '../../history.ts';
import {
  amendTransaction,
  applyBulkStatus,
  bulkLimit,
  idsFromCsv,
  previewBulkStatus,
} from '../../transaction-batches.ts';
import { transactionStatuses } from '../../transactions.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { errorBody, idParams, timestamp } from '../schemas.ts';
import { transactionDetail } from './transactions.ts';

const refusals = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const status = z.enum(transactionStatuses);

export const historyEntry = z.object({
  audit_id: z.number(),
  changed_at: timestamp,
  actor: z.string(),
  action: z.string(),
  table_name: z.string().nullable(),
  row_key: z.record(z.string(), z.unknown()).nullable(),
  old_values: z.record(z.string(), z.unknown()).nullable(),
  new_values: z.record(z.string(), z.unknown()).nullable(),
  batch_id: z.string().nullable().describe('the amendment or bulk move the entry belongs to'),
});

const amendment = z.object({
  items: z
    .array(
      z.object({
        item_id: z.number({ error: 'pick an item' }).int().positive(),
        quantity: z
          .number({ error: 'enter a quantity' })
          .int('a whole number')
          .min(1, 'at least 1')
          .max(100_000, 'at most 100000'),
      }),
    )
    .min(1, 'keep at least one item')
    .max(200, 'at most 200 lines'),
});

const preview = z.object({
  moves: z.array(z.object({ transaction_id: z.number(), from_status: status, to_status: status })),
  refused: z.array(
    z.object({ transaction_id: z.number().nullable(), given: z.string(), problem: z.string() }),
  ),
});

export function transactionBatchRoutes(app: HttpApp, deps: PortalDeps) {
  app.put(
    '/api/transactions/:id',
    {
      preHandler: teams(deps, ['logistics']),
      schema: {
        summary:
          'Amend a pending or paid transaction: its lines become these (added, removed, quantities changed), in one audited change',
        tags: ['transactions'],
        params: idParams,
        body: amendment,
        response: { 200: transactionDetail, ...refusals },
      },
    },
    async (request) =>
      asPerson(deps, request, (db) => amendTransaction(db, request.params.id, request.body.items)),
  );

  app.post(
    '/api/transactions/bulk-status/preview',
    {
      preHandler: teams(deps, ['logistics']),
      schema: {
        summary:
          'What moving these transactions to their next status would do: which move, which cannot and why. Changes nothing.',
        tags: ['transactions'],
        body: z
          .object({
            transaction_ids: z.array(z.number().int()).max(bulkLimit).optional(),
            csv: z
              .string()
              .max(1_000_000)
              .optional()
              .describe("a carrier's CSV with a transaction_id column"),
          })
          .refine((b) => (b.transaction_ids ? !b.csv : !!b.csv), {
            message: 'send either transaction_ids or csv',
          }),
        response: { 200: preview, ...refusals },
      },
    },
    async (request) => {
      const { transaction_ids, csv } = request.body;
      const given = transaction_ids ? transaction_ids.map(String) : idsFromCsv(csv ?? '');
      return asPerson(deps, request, (db) => previewBulkStatus(db, given));
    },
  );

  app.post(
    '/api/transactions/bulk-status',
    {
      preHandler: teams(deps, ['logistics']),
      schema: {
        summary:
          'Move the previewed transactions to their next status in one database transaction: all, or none if one has changed since the preview',
        tags: ['transactions'],
        body: z.object({
          moves: z
            .array(z.object({ transaction_id: z.number().int().positive(), from_status: status }))
            .min(1, 'choose at least one transaction')
            .max(bulkLimit),
        }),
        response: {
          200: z.object({ batch_id: z.string().describe('the audit batch'), moved: z.number() }),
          ...refusals,
        },
      },
    },
    async (request) => asPerson(deps, request, (db) => applyBulkStatus(db, request.body.moves)),
  );

  app.get(
    '/api/transactions/:id/history',
    {
      schema: {
        summary: 'The audit entries of a transaction and its lines, newest first',
        tags: ['transactions'],
        params: idParams,
        response: { 200: z.object({ data: z.array(historyEntry) }), 403: errorBody },
      },
    },
    async (request) => ({
      data: await asPerson(deps, request, (db) =>
        recordHistory(db, 'transactions', request.params.id),
      ),
    }),
  );
}
