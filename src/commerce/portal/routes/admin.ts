import { z } from 'zod';
import { generatePassword } from '../../../platform/db/scram.ts';
import { AppError } from '../../../platform/errors.ts';
import type { HttpApp } from '../../../platform/http/server.ts';
import { listAudit } from '../../audit.ts';
import {
  addPerson,
  teams as allTeams,
  listPeople,
  removePerson,
  setPersonEnabled,
  setPersonPii,
} from '../../people.ts';
import { verifyPolicy } from '../../verify.ts';
import { asPerson, type PortalDeps, teams } from '../context.ts';
import { sendCsv } from '../csv.ts';
import { errorBody, listQuery, pageOf, timestamp, toListQuery } from '../schemas.ts';

const person = z.object({
  login: z.string(),
  team: z.enum(allTeams),
  pii: z.boolean(),
  canLogin: z.boolean(),
});
const loginParams = z.object({ login: z.string().min(1).max(63) });
const json = z.record(z.string(), z.unknown()).nullable();
const refusals = { 400: errorBody, 403: errorBody, 409: errorBody };

export function adminRoutes(app: HttpApp, deps: PortalDeps) {
  const admins = teams(deps, ['admin']);

  app.get(
    '/api/people',
    {
      preHandler: admins,
      schema: {
        summary: 'People and their teams',
        tags: ['admin'],
        response: { 200: z.object({ data: z.array(person) }), 403: errorBody },
      },
    },
    async (request) => ({ data: await asPerson(deps, request, listPeople) }),
  );

  app.post(
    '/api/people',
    {
      preHandler: admins,
      schema: {
        summary: 'Add a person; their generated password is in the answer, and shown only once',
        tags: ['admin'],
        body: z.object({
          login: z
            .string()
            .trim()
            .regex(
              /^[a-z][a-z0-9_]{1,62}$/,
              '2 to 63 lowercase letters, digits or _, starting with a letter',
            ),
          team: z.enum(allTeams, { error: 'choose a team' }),
          pii: z.boolean().default(false),
        }),
        response: { 201: person.extend({ password: z.string() }), ...refusals },
      },
    },
    async (request, reply) => {
      const password = generatePassword();
      const { login, team, pii } = request.body;
      await asPerson(deps, request, (db) => addPerson(db, { login, team, pii, password }));
      return reply.status(201).send({ login, team, pii, canLogin: true, password });
    },
  );

  app.patch(
    '/api/people/:login',
    {
      preHandler: admins,
      schema: {
        summary: 'Grant or revoke contact details; disable or enable',
        tags: ['admin'],
        params: loginParams,
        body: z.object({ pii: z.boolean().optional(), canLogin: z.boolean().optional() }),
        response: { 200: person, ...refusals },
      },
    },
    async (request) => {
      const { login } = request.params;
      return asPerson(deps, request, async (db) => {
        if (request.body.pii !== undefined) await setPersonPii(db, login, request.body.pii);
        if (request.body.canLogin !== undefined)
          await setPersonEnabled(db, login, request.body.canLogin);
        const found = (await listPeople(db)).find((p) => p.login === login);
        if (!found)
          throw new AppError('person_not_found', 404, `There is no person with login ${login}.`);
        return found;
      });
    },
  );

  app.delete(
    '/api/people/:login',
    {
      preHandler: admins,
      schema: {
        summary: 'Remove a person; their changes stay in the audit log',
        tags: ['admin'],
        params: loginParams,
      },
    },
    async (request, reply) => {
      await asPerson(deps, request, (db) => removePerson(db, request.params.login));
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/audit',
    {
      preHandler: admins,
      schema: {
        summary: 'The audit log, newest first',
        tags: ['admin'],
        querystring: listQuery(['audit_id'] as const, 'audit_id').extend({
          order: z.enum(['asc', 'desc']).default('desc'),
          table: z.string().optional(),
          actor: z.string().optional(),
          action: z.string().optional(),
          from: z.iso.date().optional(),
          to: z.iso.date().optional(),
        }),
        response: {
          200: pageOf(
            z.object({
              audit_id: z.number(),
              changed_at: timestamp,
              actor: z.string(),
              login: z.string(),
              request_id: z.string().nullable(),
              action: z.string(),
              table_name: z.string().nullable(),
              row_key: json,
              old_values: json,
              new_values: json,
            }),
          ),
          403: errorBody,
        },
      },
    },
    async (request, reply) => {
      const { csv, query } = toListQuery(request.query);
      const { table, actor, action, from, to } = request.query;
      const page = await asPerson(deps, request, (db) =>
        listAudit(db, query, { table, actor, action, from, to }),
      );
      return csv ? sendCsv(reply, 'audit', page.data) : page;
    },
  );

  app.get(
    '/api/policy',
    {
      preHandler: admins,
      schema: {
        summary: 'Whether the live grants match the declared policy (tessera db verify)',
        tags: ['admin'],
        response: {
          200: z.object({
            ok: z.boolean(),
            differences: z.array(z.object({ kind: z.string(), description: z.string() })),
          }),
          403: errorBody,
        },
      },
    },
    async (request) => {
      const differences = await asPerson(deps, request, (db) => verifyPolicy(db));
      return { ok: differences.length === 0, differences };
    },
  );
}
