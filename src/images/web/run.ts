import type { Config } from '../../platform/config.ts';
import { listen } from '../../platform/http/listen.ts';
import type { Logger } from '../../platform/log.ts';
import type { RunningService } from '../run.ts';
import { buildWebServer } from './server.ts';

/** Serves the upload web app, which talks only to the gateway at `gatewayUrl`. */
export async function runWeb(
  config: Config,
  log: Logger,
  gatewayUrl: string,
  port = config.web.port,
): Promise<RunningService> {
  const app = await buildWebServer({ gatewayUrl, log: log.child({ service: 'web' }) });
  const url = await listen(app, { host: config.web.host, port });
  return { url, close: () => app.close() };
}
