import { Redis } from 'ioredis';
import type { Config } from '../../platform/config.ts';
import { createPool } from '../../platform/db/pool.ts';
import { listen } from '../../platform/http/listen.ts';
import type { Logger } from '../../platform/log.ts';
import { imageApiAudience } from '../principal.ts';
import { gatewaySecret, type RunningService } from '../run.ts';
import { buildGateway, type Upstream } from './app.ts';
import { createKeyCache, defaultKeyCache } from './key-cache.ts';
import { listenForRevocations } from './key-revocations.ts';

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

/** Serves the gateway in front of the image API (and any upstreams configured) until closed. */
export async function runGateway(
  config: Config,
  log: Logger,
  databaseUrl: string,
  options: { port?: number; imageApiUrls?: readonly string[] } = {},
): Promise<RunningService> {
  const imageApiUrls = options.imageApiUrls ?? config.gateway.imageApiUrls;
  if (imageApiUrls.length === 0)
    throw new Error('The gateway needs the image API: set IMAGE_API_URL.');
  const db = createPool(databaseUrl, { max: 10, applicationName: 'tessera-gateway' });
  const redis = config.gateway.redisUrl
    ? new Redis(config.gateway.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1 })
    : undefined;
  const gatewayLog = log.child({ service: 'gateway' });
  const keyCache = createKeyCache(defaultKeyCache);
  const app = await buildGateway({
    db,
    log: gatewayLog,
    upstreams: [
      ...imageApiUpstreams(imageApiUrls),
      ...config.gateway.upstreams.map((u) => ({
        prefix: u.prefix,
        urls: u.urls,
        rewritePrefix: '',
        audience: u.name,
      })),
    ],
    secret: await gatewaySecret(config),
    rateLimit: config.gateway.rateLimit,
    redis,
    bodyLimit: config.gateway.bodyLimit,
    corsOrigins: config.gateway.corsOrigins,
    trustProxy: config.portal.trustProxy,
    timeout: config.gateway.timeout,
    session: { lifetime: '12 hours', idle: '2 hours' },
    signIn: config.gateway.signIn,
    keyCache,
  });
  const revocations = listenForRevocations({ databaseUrl, cache: keyCache, log: gatewayLog });
  try {
    const url = await listen(app, {
      host: config.gateway.host,
      port: options.port ?? config.gateway.port,
    });
    return {
      url,
      async close() {
        await app.close();
        await revocations.close();
        await db.end();
        redis?.disconnect();
      },
    };
  } catch (error) {
    await revocations.close();
    await db.end();
    redis?.disconnect();
    throw error;
  }
}
