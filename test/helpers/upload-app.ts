// The upload web app's server in front of the real gateway and image API, on loopback: what the
// browser tests open. The web server must be listening before the gateway is built (the gateway
// allows its origin by CORS), and it must name the gateway in /config.json: a getter closes the
// circle.
import { execFileSync } from 'node:child_process';
import { buildWebServer, uploadWebRoot } from '../../src/images/web/server.ts';
import { listen } from '../../src/platform/http/listen.ts';
import { createLogger } from '../../src/platform/log.ts';
import { createGatewayTestbed, type GatewayTestbed } from './gateway.ts';

export type UploadApp = {
  webUrl: string;
  gatewayUrl: string;
  testbed: GatewayTestbed;
  close(): Promise<void>;
};

export async function startUploadApp(): Promise<UploadApp> {
  execFileSync(process.execPath, ['web/build-if-stale.ts', 'upload'], { stdio: 'inherit' });
  let gatewayUrl = '';
  const web = await buildWebServer({
    webRoot: uploadWebRoot,
    gatewayUrl: () => gatewayUrl,
    log: createLogger('silent'),
  });
  const webUrl = await listen(web, { host: '127.0.0.1', port: 0 });
  const testbed = await createGatewayTestbed({ corsOrigins: [webUrl] });
  gatewayUrl = await listen(testbed.gateway, { host: '127.0.0.1', port: 0 });
  return {
    webUrl,
    gatewayUrl,
    testbed,
    async close() {
      await testbed.close();
      await web.close();
    },
  };
}
