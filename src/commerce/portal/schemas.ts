// Request and response schemas shared by the portal's routes: one zod schema is the validation,
// the TypeScript type and the OpenAPI document.
import { z } from 'zod';
import { exportLimit, type ListQuery } from '../listing.ts';

export const decimal = (what: string, places: number) =>
  z
    .union([z.number(), z.string()])
    .transform((value) => String(value).trim())
    .refine((value) => new RegExp(`^\\d{1,10}(\\.\\d{1,${places}})?$`).test(value), {
      message: `${what} must be a number of zero or more with at most ${places} decimals`,
    });

export const timestamp = z.string().describe('ISO 8601 time, microseconds included');

export function listQuery<S extends readonly [string, ...string[]]>(
  sorts: S,
  defaultSort: S[number],
) {
  return z.object({
    q: z.string().trim().min(1).max(200).optional().describe('search text'),
    sort: z.enum(sorts).default(defaultSort),
    order: z.enum(['asc', 'desc']).default('asc'),
    page: z.coerce.number().int().min(1).default(1),
    per_page: z.coerce.number().int().min(1).max(200).default(25),
    format: z.enum(['json', 'csv']).default('json').describe('csv downloads every matching row'),
  });
}

export const idParams = z.object({ id: z.coerce.number().int().positive() });

export const errorBody = z.object({
  code: z.string(),
  message: z.string(),
  requestId: z.string(),
  fields: z.record(z.string(), z.string()).optional(),
});

export function pageOf<T extends z.ZodType>(row: T) {
  return z.object({ data: z.array(row), total: z.number().int() });
}

type ListParams<S extends string> = {
  q?: string | undefined;
  sort: S;
  order: 'asc' | 'desc';
  page: number;
  per_page: number;
  format: 'json' | 'csv';
};

/** A list request as the domain's ListQuery; a CSV export asks for every row (up to the limit). */
export function toListQuery<S extends string>(
  params: ListParams<S>,
): { csv: boolean; query: ListQuery<S> } {
  const csv = params.format === 'csv';
  return {
    csv,
    query: {
      q: params.q,
      sort: params.sort,
      order: params.order,
      page: csv ? 1 : params.page,
      perPage: csv ? exportLimit : params.per_page,
    },
  };
}
