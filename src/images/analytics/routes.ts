// The dashboard's JSON API, for analysts only: /analytics/… on the image API, /api/analytics/… at
// the gateway. Every chart also comes as CSV (/analytics/charts/<name>.csv).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { toCsv } from '../../platform/csv.ts';
import type { Pool } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import type { Principal } from '../principal.ts';
import { type ChartName, chartNames, formats, sources } from './contract.ts';
import { BadCursor, chart, explore, nearDuplicates, summary } from './dashboard.ts';
import { maxDistance } from './near-duplicates.ts';
import {
  GroupingBusy,
  type GroupingLimits,
  GroupingTimedOut,
  groupingJobs,
} from './near-duplicates-jobs.ts';

const day = z.iso.date({ error: 'a day as YYYY-MM-DD' });
const filters = z.object({
  from: day.optional(),
  to: day.optional(),
  source: z.enum(sources).optional(),
  format: z.enum(formats).optional(),
  owner: z.string().min(1).max(200).optional(),
});
const count = z.coerce.number().int().min(0);
const explorerQuery = filters.extend({
  camera_make: z.string().min(1).max(200).optional(),
  camera_model: z.string().min(1).max(200).optional(),
  colour_space: z.string().min(1).max(50).optional(),
  has_alpha: z.enum(['true', 'false']).optional(),
  min_width: count.optional(),
  max_width: count.optional(),
  min_height: count.optional(),
  max_height: count.optional(),
  min_bytes: count.optional(),
  max_bytes: count.optional(),
  min_megapixels: z.coerce.number().min(0).optional(),
  max_megapixels: z.coerce.number().min(0).optional(),
  taken_from: day.optional(),
  taken_to: day.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(48),
  cursor: z.string().max(500).optional(),
});
const chartParam = z.object({
  chart: z.string().regex(new RegExp(`^(${chartNames.join('|')})(\\.csv)?$`), {
    error: `one of ${chartNames.join(', ')}, with .csv for CSV`,
  }),
});

export function analyticsRoutes(
  app: HttpApp,
  deps: { db: Pool; nearDuplicates: GroupingLimits },
  principalOf: (request: FastifyRequest) => Principal,
) {
  const limits = deps.nearDuplicates;
  const grouping = groupingJobs(limits);
  app.addHook('onClose', () => grouping.close());
  const forAnalysts = async (request: FastifyRequest) => {
    if (principalOf(request).role !== 'analyst')
      throw new AppError('analysts_only', 403, 'The analytics are for analysts only.');
  };
  const tags = ['analytics'];

  app.get(
    '/analytics/summary',
    {
      preHandler: forAnalysts,
      schema: {
        tags,
        summary: 'Totals (images, bytes, by format and source) and figures about now',
        querystring: filters,
      },
    },
    async (request) => summary(deps.db, request.query),
  );

  app.get(
    '/analytics/charts/:chart',
    {
      preHandler: forAnalysts,
      schema: {
        tags,
        summary: `One chart's data as JSON, or as CSV with .csv: ${chartNames.join(', ')}`,
        params: chartParam,
        querystring: filters,
      },
    },
    async (request, reply) => {
      const [name, csv] = request.params.chart.split('.') as [ChartName, string | undefined];
      const data = await chart(deps.db, name, request.query);
      if (!csv) return data;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="tessera-${name}.csv"`)
        .send(toCsv(data.rows, data.columns));
    },
  );

  app.get(
    '/analytics/images',
    {
      preHandler: forAnalysts,
      schema: {
        tags,
        summary: 'Stored images, newest first, filtered on any metadata field',
        querystring: explorerQuery,
      },
    },
    async (request) => {
      const q = request.query;
      try {
        return await explore(
          deps.db,
          {
            from: q.from,
            to: q.to,
            source: q.source,
            format: q.format,
            owner: q.owner,
            cameraMake: q.camera_make,
            cameraModel: q.camera_model,
            colourSpace: q.colour_space,
            hasAlpha: q.has_alpha === undefined ? undefined : q.has_alpha === 'true',
            minWidth: q.min_width,
            maxWidth: q.max_width,
            minHeight: q.min_height,
            maxHeight: q.max_height,
            minBytes: q.min_bytes,
            maxBytes: q.max_bytes,
            minMegapixels: q.min_megapixels,
            maxMegapixels: q.max_megapixels,
            takenFrom: q.taken_from,
            takenTo: q.taken_to,
          },
          { limit: q.limit, cursor: q.cursor },
        );
      } catch (error) {
        if (error instanceof BadCursor) throw new AppError('bad_cursor', 400, error.message);
        throw error;
      }
    },
  );

  app.get(
    '/analytics/near-duplicates',
    {
      preHandler: forAnalysts,
      schema: {
        tags,
        summary: 'Groups of stored images whose perceptual hashes are within a distance',
        querystring: filters.extend({
          distance: z.coerce.number().int().min(0).max(maxDistance).default(6),
        }),
      },
    },
    async (request) => {
      const { distance, ...rest } = request.query;
      try {
        return await nearDuplicates({ db: deps.db, grouping }, rest, distance);
      } catch (error) {
        throw nearDuplicatesError(error, limits);
      }
    },
  );
}

// Both are answered 503 and not queued: a search that outlasts its budget would outlast it again,
// and the caller can act (narrow the search, or wait) on plain words.
function nearDuplicatesError(error: unknown, limits: GroupingLimits): unknown {
  if (error instanceof GroupingTimedOut)
    return new AppError(
      'near_duplicates_timeout',
      503,
      `Finding near-duplicates took longer than ${limits.budget / 1000} s and was stopped. Narrow the filters (days, format, source, owner) or lower the distance.`,
    );
  if (error instanceof GroupingBusy)
    return new AppError(
      'near_duplicates_busy',
      503,
      'Other searches for near-duplicates are running. Try again in a moment.',
    );
  return error;
}
