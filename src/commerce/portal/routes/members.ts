import { z } from 'zod';
import type { HttpApp } from '../../../platform/http/server.ts';
import { whoAmI } from '../../identity.ts';
import { listManufacturers, manufacturerSorts } from '../../manufacturers.ts';
import { listMembers, memberSorts } from '../../members.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { sendCsv } from '../csv.ts';
import { errorBody, listQuery, pageOf, timestamp, toListQuery } from '../schemas.ts';

const member = z.object({
  membership_id: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  date_of_birth: z.string(),
  created_at: timestamp,
  email: z.string().optional().describe('only for people granted contact details'),
  mobile_no: z.string().optional().describe('only for people granted contact details'),
});

const manufacturer = z.object({
  manufacturer_id: z.number(),
  manufacturer_name: z.string(),
  created_at: timestamp,
});

export function memberRoutes(app: HttpApp, deps: PortalDeps) {
  app.get(
    '/api/memberships',
    {
      preHandler: teams(deps, ['logistics', 'analytics']),
      schema: {
        summary: 'List members (email and mobile_no only with the contact-details grant)',
        tags: ['members'],
        querystring: listQuery(memberSorts, 'membership_id'),
        response: { 200: pageOf(member), 403: errorBody },
      },
    },
    async (request, reply) => {
      const { csv, query } = toListQuery(request.query);
      const page = await asPerson(deps, request, async (db) =>
        listMembers(db, query, (await whoAmI(db)).pii),
      );
      return csv ? sendCsv(reply, 'memberships', page.data) : page;
    },
  );

  app.get(
    '/api/manufacturers',
    {
      schema: {
        summary: 'List manufacturers',
        tags: ['manufacturers'],
        querystring: listQuery(manufacturerSorts, 'manufacturer_name'),
        response: { 200: pageOf(manufacturer) },
      },
    },
    async (request, reply) => {
      const { csv, query } = toListQuery(request.query);
      const page = await asPerson(deps, request, (db) => listManufacturers(db, query));
      return csv ? sendCsv(reply, 'manufacturers', page.data) : page;
    },
  );
}
