// The HTTP side of direct uploads (see ../direct-uploads.ts): ask for a presigned POST, post the
// file to the bucket, then complete it here; the answer is the one POST /images gives.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HttpApp } from '../../platform/http/server.ts';
import { getImage } from '../catalogue.ts';
import {
  completeDirectUpload,
  createDirectUpload,
  type DirectUploadDeps,
} from '../direct-uploads.ts';
import type { Principal } from '../principal.ts';
import { present } from './present.ts';

export const directUploadsPath = '/images/direct-uploads';
const tags = ['direct uploads'];

const request = z
  .object({
    name: z.string().max(255).optional().describe('The file name, kept as the original name.'),
    contentType: z.string().max(200).optional().describe('What the client believes it is.'),
    size: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Bytes; a file over the limit is refused now.'),
  })
  // Fastify hands an empty body over as null.
  .nullish();

const presignedPost = z.object({
  id: z.uuid(),
  url: z.url().describe('POST multipart/form-data here: every field, then the file, last.'),
  fields: z.record(z.string(), z.string()),
  maxBytes: z.number().int(),
  expiresAt: z.iso.datetime().describe('The bucket refuses the POST after this.'),
});

export function mountDirectUploads(
  app: HttpApp,
  deps: DirectUploadDeps,
  principalOf: (request: FastifyRequest) => Principal,
) {
  if (deps.directUploads && !deps.store.presignPost) {
    throw new Error(
      `Direct uploads need a store clients can post to; ${deps.store.describe()} is not one.`,
    );
  }

  app.post(
    directUploadsPath,
    {
      schema: {
        tags,
        summary:
          'A presigned POST for one image, straight to the bucket (larger than a gateway request)',
        body: request,
        response: { 201: presignedPost },
      },
    },
    async (req, reply) => {
      const { name, contentType, size } = req.body ?? {};
      const upload = await createDirectUpload(deps, {
        owner: principalOf(req).id,
        name,
        contentType,
        size,
      });
      return reply.status(201).send(upload);
    },
  );

  app.post(
    `${directUploadsPath}/:id/complete`,
    {
      schema: {
        tags,
        summary: 'Take in what was posted: the same intake and answer as POST /images',
        params: z.object({ id: z.uuid({ error: 'not a direct upload id' }) }),
      },
    },
    async (req, reply) => {
      const result = await completeDirectUpload(deps, {
        owner: principalOf(req).id,
        id: req.params.id,
      });
      const image = await getImage(deps.db, result.imageId);
      return reply
        .status(result.duplicate ? 200 : 201)
        .send({ id: result.imageId, duplicate: result.duplicate, image: present(image) });
    },
  );
}
