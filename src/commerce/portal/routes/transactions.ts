import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import {
  getTransaction,
  listTransactions,
  recordTransaction,
  setTransactionStatus,
  transactionSorts,
  transactionStatuses,
} from '../../transactions.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { sendCsv } from '../csv.ts';
import { errorBody, idParams, listQuery, pageOf, timestamp, toListQuery } from '../schemas.ts';

const transaction = z.object({
  transaction_id: z.number(),
  membership_id: z.string(),
  member_name: z.string(),
  manufacturer_id: z.number(),
  manufacturer_name: z.string(),
  total_items_cost: z.string().describe('computed by the database from the lines'),
  total_items_weight: z.string().describe('computed by the database from the lines'),
  transaction_status: z.enum(transactionStatuses),
  created_at: timestamp,
  completed_at: timestamp.nullable(),
  updated_at: timestamp,
});

const line = z.object({
  item_id: z.number(),
  item_name: z.string(),
  quantity: z.number(),
  unit_cost: z.string(),
  unit_weight: z.string(),
  line_cost: z.string(),
  line_weight: z.string(),
  retired: z.boolean(),
});

export const transactionDetail = transaction.extend({ lines: z.array(line) });
const readers = ['logistics', 'analytics'] as const;
/** Reading, recording and moving a transaction are each one statement (see transactions.ts). */
const oneStatement = { oneStatement: true };
const refusals = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

const newTransaction = z.object({
  membership_id: z.string().trim().min(1, 'pick a member'),
  manufacturer_id: z.number({ error: 'pick a manufacturer' }).int().positive(),
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
    .min(1, 'add at least one item')
    .max(200, 'at most 200 lines'),
});

export function transactionRoutes(app: HttpApp, deps: PortalDeps) {
  app.get(
    '/api/transactions',
    {
      preHandler: teams(deps, readers),
      schema: {
        summary: 'Find transactions',
        tags: ['transactions'],
        querystring: listQuery(transactionSorts, 'transaction_id').extend({
          status: z.enum(transactionStatuses).optional(),
          membership_id: z.string().trim().min(1).optional(),
          from: z.iso.date().optional().describe('created on or after (YYYY-MM-DD)'),
          to: z.iso.date().optional().describe('created on or before (YYYY-MM-DD)'),
          after: z
            .string()
            .max(2_000)
            .optional()
            .describe(
              'next_cursor of the page before, for the same sort: the page after it, read by key; page aside',
            ),
        }),
        response: {
          200: pageOf(transaction).extend({
            total_is_estimate: z
              .boolean()
              .describe("true past 10,000 matching rows: total is then the planner's estimate"),
            next_cursor: z
              .string()
              .nullable()
              .describe('pass as after for the next page; null on the last'),
          }),
          400: errorBody,
          403: errorBody,
        },
      },
    },
    async (request, reply) => {
      const { csv, query } = toListQuery(request.query);
      const { status, membership_id, from, to, after } = request.query;
      const until = to
        ? new Date(Date.parse(to) + 86_400_000).toISOString().slice(0, 10)
        : undefined;
      const page = await asPerson(deps, request, (db) =>
        listTransactions(
          db,
          { ...query, after: csv ? undefined : after },
          { status, membership_id, from, to: until },
          { counted: !csv },
        ),
      );
      return csv ? sendCsv(reply, 'transactions', page.data) : page;
    },
  );

  app.get(
    '/api/transactions/:id',
    {
      preHandler: teams(deps, readers),
      schema: {
        summary: 'One transaction with its lines',
        tags: ['transactions'],
        params: idParams,
        response: { 200: transactionDetail, 403: errorBody, 404: errorBody },
      },
    },
    async (request) =>
      asPerson(deps, request, (db) => getTransaction(db, request.params.id), oneStatement),
  );

  app.post(
    '/api/transactions',
    {
      preHandler: teams(deps, ['logistics']),
      schema: {
        summary: 'Record a transaction; the database prices the lines and computes the totals',
        tags: ['transactions'],
        body: newTransaction,
        response: { 201: transactionDetail, ...refusals },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await asPerson(deps, request, (db) => recordTransaction(db, request.body), oneStatement),
        ),
  );

  app.post(
    '/api/transactions/:id/status',
    {
      preHandler: teams(deps, ['logistics']),
      schema: {
        summary:
          'Move a transaction to its next status (pending → paid → shipped → completed, or cancelled)',
        tags: ['transactions'],
        params: idParams,
        body: z.object({ status: z.enum(transactionStatuses, { error: 'choose a status' }) }),
        response: { 200: transactionDetail, ...refusals },
      },
    },
    async (request) =>
      asPerson(
        deps,
        request,
        (db) => setTransactionStatus(db, request.params.id, request.body.status),
        oneStatement,
      ),
  );
}
