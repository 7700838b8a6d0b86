import { stringify } from 'csv-stringify/sync';
import type { FastifyReply } from 'fastify';

/**
 * A list as a CSV download. The columns are the keys of the rows the person's own query returned,
 * so an export can never hold a column the list did not.
 */
export function sendCsv(
  reply: FastifyReply,
  name: string,
  rows: Record<string, unknown>[],
): FastifyReply {
  const columns = Object.keys(rows[0] ?? {});
  const body = stringify(rows, {
    header: true,
    columns,
    cast: {
      object: (value) => JSON.stringify(value),
      boolean: (value) => (value ? 'true' : 'false'),
    },
  });
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(body);
}
