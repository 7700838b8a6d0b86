import type { FastifyReply } from 'fastify';
import { toCsv } from '../../platform/csv.ts';

/**
 * A list as a CSV download. The columns are the keys of the rows the person's own query returned,
 * so an export can never hold a column the list did not.
 */
export function sendCsv(
  reply: FastifyReply,
  name: string,
  rows: Record<string, unknown>[],
): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(rows, Object.keys(rows[0] ?? {})));
}
