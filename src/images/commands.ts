import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  type CommandContext,
  type CommandTable,
  countOption,
  stringOption,
} from '../platform/cli-kit.ts';
import { withDatabase } from '../platform/db/open.ts';
import { createPool } from '../platform/db/pool.ts';
import { formatDuration } from '../platform/duration.ts';
import { AppError, UsageError } from '../platform/errors.ts';
import { listFiles } from '../platform/files.ts';
import { progressLine } from '../platform/progress-line.ts';
import { schemas } from '../schemas.ts';
import { seedDemoImages } from './analytics/seed-demo.ts';
import { sweepUnlessRunning } from './expiry.ts';
import { findPrincipal } from './gateway/principals.ts';
import { intake } from './intake.ts';
import { ImageRefusal } from './processing/refusal.ts';
import { applyBucketLifecycle, openStore, rotateStoreKey } from './storage.ts';

export const imageCommands: CommandTable = {
  ingest: {
    summary: "put image files through the same intake as uploads (engineers' bulk loads)",
    usage:
      'tessera images ingest <files or folders…> --owner <principal> [--concurrency <n>, default: twice the cores]',
    options: { owner: { type: 'string' }, concurrency: { type: 'string' } },
    async run(input, ctx) {
      const owner = stringOption(input, 'owner');
      if (!owner || !/^[A-Za-z0-9._@-]{1,200}$/.test(owner))
        throw new UsageError(`--owner names the images' owner\nusage: ${this.usage}`);
      // Files in flight at once: while libvips decodes and encodes one, the others are read,
      // hashed, encrypted, written, synced and recorded. Twice the cores keeps every core busy
      // through those waits (with the cores alone, a tenth of the machine sat idle).
      const concurrency = countOption(input, 'concurrency', {
        fallback: availableParallelism() * 2,
        max: 64,
      });
      if (input.positionals.length === 0)
        throw new UsageError(`name at least one file or folder\nusage: ${this.usage}`);
      const files = await listFiles(input.positionals);
      if (files.length === 0) throw new UsageError('no files found there');
      return withImages(ctx, concurrency, async (deps) => {
        const principal = await findPrincipal(deps.db, owner);
        if (!principal)
          throw new AppError(
            'no_principal',
            404,
            `There is no principal named ${owner}. Add one: tessera principals add ${owner} --role user`,
          );
        let refused = 0;
        const progress = progressLine(files.length);
        await ingestAll(deps, principal.principal_id, files, concurrency, (index, line) => {
          if (!line.ok) refused += 1;
          progress.clear();
          ctx.out(line.text);
          progress.update(index + 1, files[index] as string);
        });
        progress.clear();
        ctx.out(
          `${files.length - refused} accepted, ${refused} refused of ${files.length} file(s).`,
        );
        return refused > 0 ? 1 : 0;
      });
    },
  },
  sweep: {
    summary:
      'expire images past their retention, remove orphaned objects, purge history past ANALYTICS_RETENTION',
    usage: 'tessera images sweep',
    async run(_input, ctx) {
      const pass = await withImages(ctx, 1, (deps) =>
        sweepUnlessRunning(deps, { historyRetention: ctx.config.images.analyticsRetention }),
      );
      // Not a failure: the pass under way (an image API's, or another of these) does the same work.
      if (!pass.ran) {
        ctx.out('Another sweep is running; skipped.');
        return;
      }
      const report = pass.value;
      ctx.out(
        `Expired ${report.expired} image(s), deleted ${report.objectsDeleted} object(s), ${report.orphansDeleted} orphan(s) and ${report.claimsDeleted} stale stream claim(s).`,
      );
      ctx.out(
        `Removed ${report.uploadsAbandoned} resumable upload(s) abandoned for a day and ${report.uploadPartsOrphaned} orphan upload part(s).`,
      );
      ctx.out(
        `Purged ${report.historyPurged} image row(s) and ${report.refusalsPurged} refusal(s) older than ANALYTICS_RETENTION (${formatDuration(ctx.config.images.analyticsRetention)}).`,
      );
    },
  },
  'rotate-key': {
    summary:
      'start encrypting with a new master key and re-wrap every data key under it (fs store)',
    usage: 'tessera images rotate-key',
    async run(_input, ctx) {
      const report = await rotateStoreKey(ctx.config, ctx.log, (done) =>
        ctx.log.info({ done }, 'rewrapped'),
      );
      ctx.out(report);
    },
  },
  'seed-demo': {
    summary: 'add N demo images of metadata only (no bytes) over 400 days, for the dashboard',
    usage: 'tessera images seed-demo --images <N>',
    options: { images: { type: 'string' } },
    async run(input, ctx) {
      const images = countOption(input, 'images', { fallback: 10_000, max: 100_000_000 });
      const report = await withDatabase(ctx, schemas, (db) =>
        seedDemoImages(db, { images, retention: ctx.config.images.retention }, (done) =>
          ctx.out(`  ${done.toLocaleString('en')} / ${images.toLocaleString('en')} images`),
        ),
      );
      ctx.out(
        `Seeded ${report.images.toLocaleString('en')} demo images in ${(report.milliseconds / 1000).toFixed(1)} s.`,
      );
    },
  },
  'apply-lifecycle': {
    summary: 'put the expiry rule on the S3 bucket (objects deleted after the retention)',
    usage: 'tessera images apply-lifecycle',
    async run(_input, ctx) {
      ctx.out(await applyBucketLifecycle(ctx.config));
    },
  },
};

type ImageDeps = Parameters<typeof intake>[0];

async function withImages<T>(
  ctx: CommandContext,
  connections: number,
  work: (deps: ImageDeps) => Promise<T>,
): Promise<T> {
  return withDatabase(ctx, schemas, async (_db, url) => {
    const pool = createPool(url, {
      max: Math.max(4, connections),
      applicationName: 'tessera-images',
    });
    try {
      const store = await openStore(ctx.config, ctx.log);
      return await work({
        db: pool,
        store,
        limits: ctx.config.images.limits,
        retention: ctx.config.images.retention,
        log: ctx.log,
      });
    } finally {
      await pool.end();
    }
  });
}

type IngestLine = { ok: boolean; text: string };

/**
 * Takes `concurrency` files at a time, and reports each in the files' order, as soon as it and every
 * file before it are done. An error that is not a refusal stops the files not yet started; those in
 * flight finish first, so nothing is cut off half-written, and then it is thrown.
 */
async function ingestAll(
  deps: ImageDeps,
  owner: string,
  files: string[],
  concurrency: number,
  report: (index: number, line: IngestLine) => void,
): Promise<void> {
  const lines: (IngestLine | undefined)[] = [];
  let next = 0;
  let reported = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < files.length && !failure) {
      const index = next++;
      try {
        lines[index] = await ingestOne(deps, owner, files[index] as string);
      } catch (error) {
        failure ??= { error };
        return;
      }
      for (let line = lines[reported]; line; line = lines[reported]) {
        report(reported, line);
        reported += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  if (failure) throw failure.error;
}

async function ingestOne(
  deps: ImageDeps,
  owner: string,
  file: string,
): Promise<{ ok: boolean; text: string }> {
  try {
    const info = await stat(file);
    if (info.size > deps.limits.maxBytes)
      throw new ImageRefusal(
        'too_large',
        `The file is larger than the limit of ${(deps.limits.maxBytes / 1024 / 1024).toFixed(1)} MB.`,
      );
    const result = await intake(deps, {
      owner,
      source: 'upload',
      bytes: await readFile(file),
      originalName: path.basename(file),
    });
    return {
      ok: true,
      text: `accepted  ${file}  ${result.imageId}${result.duplicate ? ' (already there)' : ''}`,
    };
  } catch (error) {
    if (error instanceof ImageRefusal)
      return { ok: false, text: `refused   ${file}  ${error.message}` };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
      return { ok: false, text: `refused   ${file}  cannot be read (${code})` };
    throw error;
  }
}
