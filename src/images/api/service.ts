// The image API as a service: a pool, the object store and the shared secret from configuration;
// the sweeper beside it (one instance sweeps at a time, under an advisory lock).
import { createPool } from '../../platform/db/pool.ts';
import { jittered } from '../../platform/jitter.ts';
import type { Logger } from '../../platform/log.ts';
import { defineService } from '../../platform/service.ts';
import { sweepUnlessRunning } from '../expiry.ts';
import { gatewaySecret } from '../shared-secret.ts';
import { openStore } from '../storage.ts';
import { buildImageApi, type ImageApiDeps } from './app.ts';

export type ImageApiServiceDeps = ImageApiDeps & {
  /** Between sweeps, in ms (each wait drawn ±20%). */
  sweepEvery: number;
  /** How long history and refusals are kept, in ms. */
  historyRetention: number;
};

export const imageApiService = defineService<ImageApiServiceDeps>({
  name: 'image-api',
  summary: 'The image API',
  usesDatabase: true,
  enabled: () => true,
  address: (config) => config.imageApi,
  async deps({ config, log, databaseUrl }) {
    const serviceLog = log.child({ service: 'image-api' });
    const db = createPool(databaseUrl, {
      max: config.imageApi.poolSize,
      applicationName: 'tessera-image-api',
    });
    try {
      const store = await openStore(config, serviceLog);
      return {
        deps: {
          db,
          store,
          limits: config.images.limits,
          retention: config.images.retention,
          log: serviceLog,
          gatewaySecret: await gatewaySecret(config),
          directUploads: config.imageApi.directUploads,
          resizePresets: config.images.resizePresets,
          nearDuplicates: config.imageApi.nearDuplicates,
          databaseUrl,
          sqlWorkspace: config.sqlWorkspace,
          sweepEvery: config.imageApi.sweepEvery,
          historyRetention: config.images.analyticsRetention,
        },
        close: () => db.end(),
      };
    } catch (error) {
      await db.end();
      throw error;
    }
  },
  build: buildImageApi,
  async background(deps) {
    // Each wait is drawn afresh (±20%), so instances started together drift apart rather than all
    // reaching for the sweep's lock at the same moment.
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let pass = Promise.resolve();
    const next = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        pass = sweep(deps, deps.log).then(next);
      }, jittered(deps.sweepEvery));
      timer.unref();
    };
    pass = sweep(deps, deps.log).then(next);
    deps.log.info({ store: deps.store.describe() }, 'image API ready');
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        // A pass under way finishes before the pool it uses is closed.
        await pass;
      },
    };
  },
});

async function sweep(deps: ImageApiServiceDeps, log: Logger): Promise<void> {
  try {
    const pass = await sweepUnlessRunning(deps, { historyRetention: deps.historyRetention });
    if (!pass.ran) {
      log.debug('another instance is sweeping; skipped');
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
    if (changed > 0) log.info(report, 'swept');
  } catch (error) {
    log.error({ err: error }, 'sweep failed; will try again');
  }
}
