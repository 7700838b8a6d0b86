// Resumable uploads (the tus protocol, @tus/server): large files and bad networks. The bytes land
// in a spool folder as they arrive; when the last one is in, the file goes through the same
// intake as any upload and the spooled copy is removed. Each upload belongs to the principal who
// created it: nobody else may see, continue or cancel it.
import { readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server, type Upload } from '@tus/server';
import type { FastifyInstance } from 'fastify';
import { type IntakeDeps, intake } from '../intake.ts';
import type { Principal } from '../principal.ts';
import { ImageRefusal } from '../processing/refusal.ts';

export const resumablePath = '/images/uploads';
/** A resumable upload not finished within a day is dropped. */
const abandonAfter = 24 * 3_600_000;

type Rejection = { status_code: number; body: string };

export function mountResumableUploads(
  app: FastifyInstance,
  deps: IntakeDeps & { spoolDir: string },
  principalOf: (raw: IncomingMessage) => Principal | undefined,
) {
  const datastore = new FileStore({
    directory: deps.spoolDir,
    expirationPeriodInMilliseconds: abandonAfter,
  });
  const who = (req: { runtime?: { node?: { req?: IncomingMessage } } }): Principal => {
    const raw = req.runtime?.node?.req;
    const principal = raw ? principalOf(raw) : undefined;
    if (!principal)
      throw reject(401, 'no_principal', 'Requests reach the image API through the gateway.');
    return principal;
  };
  const server = new Server({
    path: resumablePath,
    datastore,
    maxSize: deps.limits.maxBytes,
    // A path, not a URL (tus allows either): the client resolves it against the site it called,
    // whatever host the proxies on the way saw. The gateway maps it under its own prefix (/api).
    generateUrl(_req, { path: base, id }) {
      return `${base}/${id}`;
    },
    async onUploadCreate(req, upload) {
      // The owner is whoever creates the upload; a client's own claim is overwritten.
      return { metadata: { ...upload.metadata, owner: who(req as never).id } };
    },
    async onIncomingRequest(req, id) {
      const principal = who(req as never);
      if (req.method === 'POST' || !id) return;
      const upload = await datastore.getUpload(id).catch(() => undefined);
      if (!upload || upload.metadata?.owner !== principal.id)
        throw reject(404, 'not_found', 'There is no such upload.');
    },
    async onUploadFinish(_req, upload) {
      return finish(deps, upload);
    },
  });
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) =>
    done(null),
  );
  const handle = async (
    request: { raw: IncomingMessage },
    reply: { hijack(): void; raw: import('node:http').ServerResponse },
  ) => {
    reply.hijack();
    await server.handle(request.raw, reply.raw);
  };
  app.all(resumablePath, handle);
  app.all(`${resumablePath}/*`, handle);
  return { cleanUpAbandoned: () => server.cleanUpExpiredUploads() };
}

async function finish(deps: IntakeDeps & { spoolDir: string }, upload: Upload) {
  const file = path.join(deps.spoolDir, upload.id);
  try {
    const result = await intake(deps, {
      owner: upload.metadata?.owner ?? '',
      source: 'upload',
      bytes: await readFile(file),
      originalName: upload.metadata?.filename ?? upload.metadata?.name ?? undefined,
      declaredType: upload.metadata?.filetype ?? upload.metadata?.type ?? undefined,
    });
    return {
      headers: {
        'Tessera-Image-Id': result.imageId,
        'Tessera-Duplicate': String(result.duplicate),
      },
    };
  } catch (error) {
    if (error instanceof ImageRefusal) throw reject(error.status, error.reason, error.message);
    throw error;
  } finally {
    await Promise.all([rm(file, { force: true }), rm(`${file}.json`, { force: true })]);
  }
}

function reject(status: number, code: string, message: string): Rejection {
  return { status_code: status, body: JSON.stringify({ code, message }) };
}
