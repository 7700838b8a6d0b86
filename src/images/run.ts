import path from 'node:path';
import type { Config } from '../platform/config.ts';
import { createPool } from '../platform/db/pool.ts';
import { listen } from '../platform/http/listen.ts';
import { jittered } from '../platform/jitter.ts';
import type { Logger } from '../platform/log.ts';
import { localSecret } from '../platform/secrets.ts';
import { buildImageApi } from './api/app.ts';
import { sweepUnlessRunning } from './expiry.ts';
import { defaultImageLimits } from './processing/limits.ts';
import { openStore } from './storage.ts';

export type RunningService = { url: string; close(): Promise<void> };

/** The secret each upstream's principal key is derived from: GATEWAY_SECRET, or one kept in the data directory. */
export function gatewaySecret(config: Config): Promise<string> {
  return config.images.gatewaySecret
    ? Promise.resolve(config.images.gatewaySecret)
    : localSecret(path.join(config.dataDir, 'gateway.secret'));
}

/** Serves the image API until closed, sweeping expired images every `sweepEvery` ms. */
export async function runImageApi(
  config: Config,
  log: Logger,
  databaseUrl: string,
  options: { port?: number; sweepEvery?: number } = {},
): Promise<RunningService> {
  const db = createPool(databaseUrl, { max: 10, applicationName: 'tessera-image-api' });
  const serviceLog = log.child({ service: 'image-api' });
  const store = await openStore(config, serviceLog);
  const deps = {
    db,
    store,
    limits: defaultImageLimits,
    retention: config.images.retention,
    log: serviceLog,
  };
  const app = await buildImageApi({
    ...deps,
    gatewaySecret: await gatewaySecret(config),
    directUploads: config.images.directUploads,
    resizePresets: config.images.resizePresets,
    databaseUrl,
  });
  const sweeping = async () => {
    try {
      const pass = await sweepUnlessRunning(deps, {
        historyRetention: config.images.analyticsRetention,
      });
      if (!pass.ran) {
        serviceLog.debug('another instance is sweeping; skipped');
        return;
      }
      const report = pass.value;
      const changed =
        report.expired +
        report.orphansDeleted +
        report.historyPurged +
        report.refusalsPurged +
        report.uploadsAbandoned +
        report.uploadPartsOrphaned;
      if (changed > 0) serviceLog.info(report, 'swept');
    } catch (error) {
      serviceLog.error({ err: error }, 'sweep failed; will try again');
    }
  };
  // Each wait is drawn afresh (±20%), so instances started together drift apart rather than all
  // reaching for the sweep's lock at the same moment.
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const next = () => {
    if (closed) return;
    timer = setTimeout(
      () => void sweeping().then(next),
      jittered(options.sweepEvery ?? 10 * 60_000),
    );
    timer.unref();
  };
  void sweeping().then(next);
  try {
    const url = await listen(app, {
      host: config.images.api.host,
      port: options.port ?? config.images.api.port,
    });
    serviceLog.info({ store: store.describe() }, 'image API ready');
    return {
      url,
      async close() {
        closed = true;
        clearTimeout(timer);
        await app.close();
        await db.end();
      },
    };
  } catch (error) {
    closed = true;
    clearTimeout(timer);
    await db.end();
    throw error;
  }
}
