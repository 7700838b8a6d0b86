import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import {
  addItem,
  getItem,
  itemSorts,
  itemStatuses,
  listItems,
  restoreItem,
  retireItem,
  updateItem,
} from '../../items.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { sendCsv } from '../csv.ts';
import {
  decimal,
  errorBody,
  idParams,
  listQuery,
  pageOf,
  timestamp,
  toListQuery,
} from '../schemas.ts';

const item = z.object({
  item_id: z.number(),
  item_name: z.string(),
  item_cost: z.string().describe('decimal, 2 places'),
  item_weight: z.string().describe('kilograms, decimal, 3 places'),
  deleted_at: timestamp.nullable().describe('set when the item was retired'),
  created_at: timestamp,
  updated_at: timestamp.describe(
    'send it back with an edit: a change made meanwhile is refused (409)',
  ),
});

const fields = z.object({
  item_name: z.string().trim().min(1, 'an item needs a name').max(200, 'at most 200 characters'),
  item_cost: decimal('the cost', 2),
  item_weight: decimal('the weight', 3),
});

const writers = ['logistics', 'sales'] as const;
const refusals = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

export function itemRoutes(app: HttpApp, deps: PortalDeps) {
  app.get(
    '/api/items',
    {
      schema: {
        summary: 'List items',
        tags: ['items'],
        querystring: listQuery(itemSorts, 'item_name').extend({
          status: z.enum(itemStatuses).default('active'),
        }),
        response: { 200: pageOf(item) },
      },
    },
    async (request, reply) => {
      const { csv, query } = toListQuery(request.query);
      const page = await asPerson(deps, request, (db) =>
        listItems(db, query, request.query.status),
      );
      return csv ? sendCsv(reply, 'items', page.data) : page;
    },
  );

  app.get(
    '/api/items/:id',
    {
      schema: {
        summary: 'One item',
        tags: ['items'],
        params: idParams,
        response: { 200: item, 404: errorBody },
      },
    },
    async (request) => asPerson(deps, request, (db) => getItem(db, request.params.id)),
  );

  app.post(
    '/api/items',
    {
      preHandler: teams(deps, writers),
      schema: {
        summary: 'Add an item',
        tags: ['items'],
        body: fields,
        response: { 201: item, ...refusals },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await asPerson(deps, request, (db) => addItem(db, request.body))),
  );

  app.put(
    '/api/items/:id',
    {
      preHandler: teams(deps, writers),
      schema: {
        summary: 'Edit an item',
        tags: ['items'],
        params: idParams,
        body: fields.extend({
          updated_at: timestamp.optional().describe('the version you edited'),
        }),
        response: { 200: item, ...refusals },
      },
    },
    async (request) => {
      const { updated_at, ...changes } = request.body;
      return asPerson(deps, request, (db) =>
        updateItem(db, request.params.id, changes, updated_at),
      );
    },
  );

  app.post(
    '/api/items/:id/retire',
    {
      preHandler: teams(deps, writers),
      schema: {
        summary: 'Retire an item: it stays in past transactions and cannot be sold',
        tags: ['items'],
        params: idParams,
        response: { 200: item, ...refusals },
      },
    },
    async (request) => asPerson(deps, request, (db) => retireItem(db, request.params.id)),
  );

  app.post(
    '/api/items/:id/restore',
    {
      preHandler: teams(deps, writers),
      schema: {
        summary: 'Bring a retired item back',
        tags: ['items'],
        params: idParams,
        response: { 200: item, ...refusals },
      },
    },
    async (request) => asPerson(deps, request, (db) => restoreItem(db, request.params.id)),
  );
}
