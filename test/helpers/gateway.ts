// The gateway in front of a real image API listening on loopback, both on a test database.
import { buildImageApi, type ImageApiDeps } from '../../src/images/api/app.ts';
import { buildGateway, type GatewayDeps, type Upstream } from '../../src/images/gateway/app.ts';
import { imageApiUpstreams } from '../../src/images/gateway/run.ts';
import { defaultSignInSettings } from '../../src/images/gateway/sign-in.ts';
import { listen } from '../../src/platform/http/listen.ts';
import { createLogger } from '../../src/platform/log.ts';
import { createImageTestbed, type ImageTestbed } from './image-service.ts';

export const gatewaySecret = 'the-gateway-secret-shared-with-upstreams';

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
): Promise<GatewayTestbed> {
  const bed = await createImageTestbed({ limits: { maxBytes: 4 * 1024 * 1024 } });
  const imageApi = await buildImageApi({
    ...bed,
    databaseUrl: bed.database.url,
    gatewaySecret,
    ...imageApiOverrides,
  });
  const imageApiUrl = await listen(imageApi, { host: '127.0.0.1', port: 0 });
  const gatewayDeps: GatewayDeps = {
    db: bed.db,
    log: createLogger('silent'),
    upstreams: [...imageApiUpstreams([imageApiUrl]), ...moreUpstreams],
    secret: gatewaySecret,
    rateLimit: 1000,
    bodyLimit: 5 * 1024 * 1024,
    corsOrigins: ['http://127.0.0.1:8083'],
    trustProxy: [],
    timeout: 10_000,
    session: { lifetime: '12 hours', idle: '1 hour' },
    signIn: defaultSignInSettings,
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
      await bed.close();
    },
  };
}
