// A service as the benches run it: composed as `tessera serve <name>` composes it (its deps from
// these variables, then build), listening on a free loopback port, without its background work
// (a sweep would land in the middle of a timed round).
import { buildPortal } from '../../src/commerce/portal/app.ts';
import type { PortalDeps } from '../../src/commerce/portal/context.ts';
import { portalService } from '../../src/commerce/portal/service.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { listen } from '../../src/platform/http/listen.ts';
import { createLogger } from '../../src/platform/log.ts';
import type { Service } from '../../src/platform/service.ts';
import type { Cleanup } from './cleanup.ts';
import { closeWithGrace } from './server-thread.ts';

export async function serveService<Deps>(
  service: Service<Deps>,
  env: Record<string, string>,
  cleanup: Cleanup,
): Promise<{ url: string; deps: Deps }> {
  const config = loadConfig(env);
  const opened = await service.deps({
    config,
    log: createLogger('silent'),
    databaseUrl: config.database.url ?? '',
    running: {},
  });
  cleanup.push(opened.close);
  const app = await service.build(opened.deps);
  cleanup.push(() => closeWithGrace(app));
  // Port 0: the system picks a free one as it binds, so no other process can take it first.
  return { url: await listen(app, { host: '127.0.0.1', port: 0 }), deps: opened.deps };
}

/** The portal without its built UI: the benches call its API only. */
export const apiOnlyPortal: Service<PortalDeps> = {
  ...portalService,
  build: (deps) => buildPortal({ ...deps, webRoot: undefined }),
};
