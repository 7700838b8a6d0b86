// The image API: uploads in, images and their derivatives out, each only to those allowed to see
// it. It trusts no client: the principal comes from the gateway's signed header.
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { createHttpApp } from '../../platform/http/server.ts';
import type { Logger } from '../../platform/log.ts';
import type { WorkspaceSettings } from '../../platform/sql-workspace/workspaces.ts';
import type { GroupingLimits } from '../analytics/near-duplicates-jobs.ts';
import { analyticsRoutes } from '../analytics/routes.ts';
import { analyticsWorkspaceRoutes } from '../analytics/workspace-routes.ts';
import { getImage, type ImageRecord, listImages } from '../catalogue.ts';
import type { DirectUploadSettings } from '../direct-uploads.ts';
import { deleteImage } from '../expiry.ts';
import { intake } from '../intake.ts';
import { imageApiAudience, type Principal, seesAll, verifyPrincipal } from '../principal.ts';
import { contentTypeOf } from '../processing/derive.ts';
import type { ImageLimits } from '../processing/limits.ts';
import { withoutPersonalMetadata } from '../processing/personal-metadata.ts';
import { ImageRefusal } from '../processing/refusal.ts';
import type { ImageFormat } from '../processing/sniff.ts';
import { type ResizePreset, resizeFormats } from '../resize-presets.ts';
import { presetImage, presetNamed } from '../resizes.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { mountDirectUploads } from './direct-uploads.ts';
import { present } from './present.ts';
import { mountResumableUploads } from './resumable.ts';
import { readAtMost } from './upload.ts';

export type ImageApiDeps = {
  db: Pool;
  store: ObjectStore;
  limits: ImageLimits;
  retention: number;
  gatewaySecret: string;
  log: Logger;
  /** The sizes made on request (IMAGE_RESIZE_PRESETS). */
  resizePresets: readonly ResizePreset[];
  /** Presigned POSTs straight to the bucket (STORAGE=s3); off when undefined. */
  directUploads?: DirectUploadSettings | undefined;
  /** A near-duplicate search's time limit (NEAR_DUPLICATE_BUDGET) and how many run at once. */
  nearDuplicates: GroupingLimits;
  /** The database's URL, for the analysts' SQL workspace (it logs in as an analytics login). */
  databaseUrl: string;
  /** The analysts' workspace: SQL_STATEMENT_TIMEOUT, SQL_ROW_LIMIT, SQL_IDLE_TIMEOUT. */
  sqlWorkspace: WorkspaceSettings;
};

const idParams = z.object({ id: z.uuid({ error: 'not an image id' }) });
const variants = ['original', 'thumbnail', 'preview'] as const;

export async function buildImageApi(deps: ImageApiDeps) {
  const app = createHttpApp({
    log: deps.log,
    trustProxy: [],
    bodyLimit: deps.limits.maxBytes + 1024 * 1024,
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tessera image API',
        version: '1',
        description:
          'Reached through the gateway at /api: sign in (POST /api/auth/signin) or send Authorization: Bearer <key>.',
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(multipart, {
    limits: { fileSize: deps.limits.maxBytes, files: 1, fields: 5 },
  });
  // Any other body is passed on as a stream, collected in memory by the upload route.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const principals = new WeakMap<object, Principal>();
  const principalOf = (request: FastifyRequest) => {
    const principal = principals.get(request.raw);
    if (!principal)
      throw new AppError('no_principal', 401, 'Requests reach the image API through the gateway.');
    return principal;
  };
  app.addHook('onRequest', async (request) => {
    // The route Fastify matched decides, never the text of the URL.
    if (request.routeOptions.url === '/health') return;
    // Signed for this very request: its method, the path and query as received, this API.
    const principal = verifyPrincipal(request.headers, deps.gatewaySecret, {
      method: request.method,
      url: request.url,
      audience: imageApiAudience,
    });
    if (!principal)
      throw new AppError('no_principal', 401, 'Requests reach the image API through the gateway.');
    principals.set(request.raw, principal);
  });
  mountResumableUploads(app, deps, (raw) => principals.get(raw));
  mountDirectUploads(app, { ...deps, directUploads: deps.directUploads }, principalOf);

  app.get('/health', async () => ({ ok: true }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  analyticsRoutes(app, deps, principalOf);
  await analyticsWorkspaceRoutes(app, deps, principalOf);

  app.post(
    '/images',
    { schema: { querystring: z.object({ name: z.string().max(255).optional() }) } },
    async (request, reply) => {
      const principal = principalOf(request);
      const tooLarge = () =>
        new ImageRefusal(
          'too_large',
          `The file is larger than the limit of ${(deps.limits.maxBytes / 1024 / 1024).toFixed(1)} MB.`,
        );
      if (Number(request.headers['content-length'] ?? 0) > deps.limits.maxBytes) throw tooLarge();
      const upload = request.isMultipart() ? await request.file() : undefined;
      if (request.isMultipart() && !upload)
        throw new AppError('no_file', 400, 'The form has no file.');
      const source = upload ? upload.file : (request.body as import('node:stream').Readable);
      // In memory only: no byte of an upload is ever written to this instance's disk.
      const bytes = await readAtMost(source, deps.limits.maxBytes, tooLarge);
      if (upload?.file.truncated) throw tooLarge();
      const result = await intake(deps, {
        owner: principal.id,
        source: 'upload',
        bytes,
        originalName: upload?.filename ?? request.query.name,
        declaredType: upload?.mimetype ?? request.headers['content-type'],
      });
      const image = await getImage(deps.db, result.imageId);
      return reply
        .status(result.duplicate ? 200 : 201)
        .send({ id: result.imageId, duplicate: result.duplicate, image: present(image) });
    },
  );

  app.get(
    '/images',
    {
      schema: {
        querystring: z.object({
          page: z.coerce.number().int().min(1).default(1),
          per_page: z.coerce.number().int().min(1).max(100).default(24),
          all: z.enum(['true', 'false']).default('false'),
        }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const everyone = request.query.all === 'true' && seesAll(principal);
      return listImages(
        deps.db,
        principal.id,
        everyone ? null : principal.id,
        request.query.page,
        request.query.per_page,
      );
    },
  );

  app.get('/images/:id/info', { schema: { params: idParams } }, async (request) =>
    present(await visible(request, request.params.id), principalOf(request).id),
  );

  // GET /images/:id is the original itself; /images/:id/preview and /thumbnail its derivatives.
  const sendVariant = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    variant: (typeof variants)[number],
  ) => {
    const image = await visible(request, id);
    const object = image.objects.find((o) => o.name === variant);
    if (!object) throw new AppError('not_found', 404, `This image has no ${variant}.`);
    const bytes = await deps.store.get(object.object_key);
    // The owner gets the original byte for byte; anyone else without its location and serials.
    if (variant !== 'original' || image.owner_id === principalOf(request).id)
      return sendObject(reply, object.format, bytes);
    const format = object.format as ImageFormat;
    return sendObject(reply, format, await withoutPersonalMetadata(bytes, format, deps.limits));
  };
  app.get('/images/:id', { schema: { params: idParams } }, (request, reply) =>
    sendVariant(request, reply, request.params.id, 'original'),
  );
  app.get(
    '/images/:id/:variant',
    { schema: { params: idParams.extend({ variant: z.enum(variants) }) } },
    (request, reply) => sendVariant(request, reply, request.params.id, request.params.variant),
  );

  const presets = deps.resizePresets;
  app.get(
    '/images/:id/resize',
    {
      schema: {
        params: idParams,
        querystring: z.object({
          preset: z.string().max(100).optional(),
          format: z.enum(resizeFormats).default('webp'),
        }),
      },
    },
    async (request, reply) => {
      const preset = presetNamed(presets, request.query.preset);
      const image = await visible(request, request.params.id);
      const { format, bytes } = await presetImage(
        { ...deps, presets },
        image,
        preset,
        request.query.format,
      );
      return sendObject(reply, format, bytes);
    },
  );

  app.delete('/images/:id', { schema: { params: idParams } }, async (request, reply) => {
    const principal = principalOf(request);
    const image = await visible(request, request.params.id);
    if (image.owner_id !== principal.id)
      throw new AppError('forbidden', 403, 'Only the owner may delete an image.');
    await deleteImage(
      deps,
      image.image_id,
      image.objects.map((o) => o.object_key),
    );
    return reply.status(204).send();
  });

  /** The image if it is live and the principal may see it; expired ones are never served. */
  async function visible(request: FastifyRequest, imageId: string): Promise<ImageRecord> {
    const principal = principalOf(request);
    const image = await getImage(deps.db, imageId);
    if (!image || (image.owner_id !== principal.id && !seesAll(principal))) {
      throw new AppError('not_found', 404, 'There is no such image.');
    }
    if (!image.live)
      throw new AppError(
        'gone',
        410,
        image.deleted_at ? 'This image was deleted.' : 'This image has expired.',
      );
    return image;
  }

  return app;
}

function sendObject(reply: FastifyReply, format: string, bytes: Buffer) {
  return reply
    .type(contentTypeOf(format))
    .header('cache-control', 'private, max-age=3600')
    .header('content-security-policy', "default-src 'none'")
    .send(bytes);
}
