import path from 'node:path';
import type { Config } from '../platform/config.ts';
import { localSecret } from '../platform/secrets.ts';

/**
 * The secret each upstream's principal key is derived from: GATEWAY_SECRET, or one kept in the
 * data directory (one machine only). The gateway signs with it; the image API and stream
 * ingestion check with it.
 */
export function gatewaySecret(config: Config): Promise<string> {
  return config.images.gatewaySecret
    ? Promise.resolve(config.images.gatewaySecret)
    : localSecret(gatewaySecretFile(config));
}

/** Where the gateway's secret is kept when GATEWAY_SECRET does not give it. */
export function gatewaySecretFile(config: Config): string {
  return path.join(config.dataDir, 'gateway.secret');
}
