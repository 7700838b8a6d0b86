// The gateway as a service: in front of the image API's instances (IMAGE_API_URL, or the one
// started beside it) and any other upstreams configured, with the key cache kept honest by
// PostgreSQL's revocation notices and rate limits shared through Redis when REDIS_URL is set.
import { Redis } from 'ioredis';
import { createPool } from '../../platform/db/pool.ts';
import { listenForRevocations } from '../../platform/db/revocations.ts';
import { defineService } from '../../platform/service.ts';
import { imageApiAudience } from '../principal.ts';
import { gatewaySecret } from '../shared-secret.ts';
import { buildGateway, type GatewayDeps, type Upstream } from './app.ts';
import { createKeyCache, revocationChannel } from './key-cache.ts';

/**
 * What the gateway passes on to the image API (its instances, taken in turn): images, analytics,
 * and its OpenAPI document.
 */
export function imageApiUpstreams(urls: readonly string[]): Upstream[] {
  const audience = imageApiAudience;
  return [
    { prefix: '/api/images', urls, rewritePrefix: '/images', audience },
    { prefix: '/api/analytics', urls, rewritePrefix: '/analytics', audience },
    { prefix: '/api/openapi.json', urls, rewritePrefix: '/openapi.json', audience },
  ];
}

export const gatewayService = defineService<GatewayDeps>({
  name: 'gateway',
  summary: 'The API gateway (in front of IMAGE_API_URL)',
  usesDatabase: true,
  enabled: () => true,
  address: (config) => config.gateway,
  async deps({ config, log, databaseUrl, running }) {
    const settings = config.gateway;
    const beside = running['image-api'];
    const imageApiUrls =
      settings.imageApiUrls.length > 0 ? settings.imageApiUrls : beside ? [beside] : [];
    if (imageApiUrls.length === 0)
      throw new Error('The gateway needs the image API: set IMAGE_API_URL.');
    const gatewayLog = log.child({ service: 'gateway' });
    const secret = await gatewaySecret(config);
    const db = createPool(databaseUrl, {
      max: settings.poolSize,
      applicationName: 'tessera-gateway',
    });
    const redis = settings.redisUrl
      ? new Redis(settings.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1 })
      : undefined;
    const keyCache = settings.keyCache.max > 0 ? createKeyCache(settings.keyCache) : undefined;
    const revocations = keyCache
      ? listenForRevocations(
          {
            databaseUrl,
            channel: revocationChannel,
            what: 'key',
            cache: keyCache,
            log: gatewayLog,
          },
          { applicationName: 'tessera-gateway-revocations' },
        )
      : undefined;
    return {
      deps: {
        db,
        log: gatewayLog,
        upstreams: [
          ...imageApiUpstreams(imageApiUrls),
          ...settings.upstreams.map((u) => ({
            prefix: u.prefix,
            urls: u.urls,
            rewritePrefix: '',
            audience: u.name,
          })),
        ],
        secret,
        rateLimit: settings.rateLimit,
        redis,
        bodyLimit: settings.bodyLimit,
        corsOrigins: settings.corsOrigins,
        trustProxy: settings.trustProxy,
        timeout: settings.timeout,
        session: settings.session,
        signIn: settings.signIn,
        keyCache,
        balance: settings.balance,
      },
      async close() {
        await revocations?.close();
        await db.end();
        redis?.disconnect();
      },
    };
  },
  build: buildGateway,
});
