// Resumable uploads (the tus protocol, @tus/server): large files and bad networks. Each PATCH's
// bytes become one encrypted part in the object store and the offset advances in PostgreSQL
// (resumable-store.ts), so any instance continues any upload; when the last byte is in, the parts
// go through the same intake as any upload and are removed. Each upload belongs to the principal
// who created it: nobody else may see, continue or cancel it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server, type Upload } from '@tus/server';
import type { FastifyInstance } from 'fastify';
import { type IntakeDeps, intake } from '../intake.ts';
import type { Principal } from '../principal.ts';
import { ImageRefusal } from '../processing/refusal.ts';
import { readParts, removeParts, takeUpload } from '../resumable-uploads.ts';
import { maxPartBytes, ObjectStoreDataStore, partTooLarge, reject } from './resumable-store.ts';

export const resumablePath = '/images/uploads';

export function mountResumableUploads(
  app: FastifyInstance,
  deps: IntakeDeps,
  principalOf: (raw: IncomingMessage) => Principal | undefined,
) {
  const datastore = new ObjectStoreDataStore(deps);
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
      // Refused before a byte is read; a body without a length is cut off at the same bound.
      if (Number(req.headers.get('content-length') ?? 0) > maxPartBytes) throw partTooLarge();
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
    reply: { hijack(): void; raw: ServerResponse },
  ) => {
    reply.hijack();
    await server.handle(request.raw, reply.raw);
  };
  app.all(resumablePath, handle);
  app.all(`${resumablePath}/*`, handle);
}

async function finish(deps: IntakeDeps, upload: Upload) {
  // Taken once, by whichever request brought the last byte; its parts are ours to remove.
  const taken = await takeUpload(deps.db, upload.id, { complete: true });
  if (!taken) throw reject(404, 'not_found', 'There is no such upload.');
  try {
    const result = await intake(deps, {
      owner: taken.owner,
      source: 'upload',
      bytes: await readParts(deps.store, taken.parts),
      originalName: taken.metadata.filename ?? taken.metadata.name ?? undefined,
      declaredType: taken.metadata.filetype ?? taken.metadata.type ?? undefined,
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
    await removeParts(deps.store, upload.id);
  }
}
