// The gateway in front of a real image API listening on loopback, both on a test database. The
// gateway is composed as `tessera serve gateway` composes it (gatewayService.deps from
// configuration, then build); a test changes a setting through its variable, or replaces a
// dependency with `overrides`.
import { buildImageApi, type ImageApiDeps } from '../../src/images/api/app.ts';
import { buildGateway, type GatewayDeps, type Upstream } from '../../src/images/gateway/app.ts';
import { gatewayService } from '../../src/images/gateway/service.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { listen } from '../../src/platform/http/listen.ts';
import { createLogger } from '../../src/platform/log.ts';
import { createImageTestbed, type ImageTestbed } from './image-service.ts';

export const gatewaySecret = 'the-gateway-secret-shared-with-upstreams';

/** The gateway's settings in every test unless one says otherwise. */
export const testGatewayEnv = {
  GATEWAY_SECRET: gatewaySecret,
  GATEWAY_RATE_LIMIT: '1000',
  IMAGE_MAX_MB: '4',
  GATEWAY_BODY_LIMIT_MB: '5',
  GATEWAY_CORS_ORIGINS: 'http://127.0.0.1:8083',
  GATEWAY_TIMEOUT: '10s',
  GATEWAY_SESSION_IDLE: '1h',
  // Keys are looked up every time unless a test turns the cache on: revocation then needs no wait.
  GATEWAY_KEY_CACHE_SIZE: '0',
};

export type GatewayTestbed = {
  bed: ImageTestbed;
  gateway: Awaited<ReturnType<typeof buildGateway>>;
  /** What the gateway was built with, to build another like it. */
  gatewayDeps: GatewayDeps;
  imageApiUrl: string;
  close(): Promise<void>;
};

export async function createGatewayTestbed(
  overrides: Partial<GatewayDeps> = {},
  /** For the image API behind it, e.g. another store. */
  imageApiOverrides: Partial<ImageApiDeps> = {},
  /** APIs behind the gateway besides the image API. */
  moreUpstreams: Upstream[] = [],
  /** Variables besides testGatewayEnv and the bed's. */
  env: Record<string, string> = {},
): Promise<GatewayTestbed> {
  const bed = await createImageTestbed({ limits: { maxBytes: 4 * 1024 * 1024 } });
  const imageApi = await buildImageApi({ ...bed, gatewaySecret, ...imageApiOverrides });
  const imageApiUrl = await listen(imageApi, { host: '127.0.0.1', port: 0 });
  const config = loadConfig({
    ...bed.env,
    ...testGatewayEnv,
    IMAGE_API_URL: imageApiUrl,
    TESSERA_DATA_DIR: bed.root,
    ...env,
  });
  const opened = await gatewayService.deps({
    config,
    log: createLogger('silent'),
    databaseUrl: bed.database.url,
    running: {},
  });
  const gatewayDeps: GatewayDeps = {
    ...opened.deps,
    upstreams: [...opened.deps.upstreams, ...moreUpstreams],
    ...overrides,
  };
  const gateway = await buildGateway(gatewayDeps);
  return {
    bed,
    gateway,
    gatewayDeps,
    imageApiUrl,
    async close() {
      await gateway.close();
      await imageApi.close();
      await opened.close();
      await bed.close();
    },
  };
}
