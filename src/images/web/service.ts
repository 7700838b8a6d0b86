// The upload web app as a service: it needs no database, only the gateway's URL as browsers reach
// it (GATEWAY_URL, or the gateway started beside it).
import { defineService } from '../../platform/service.ts';
import { buildWebServer, type WebServerDeps } from './server.ts';

export const webService = defineService<WebServerDeps>({
  name: 'web',
  summary: 'The upload web app',
  usesDatabase: false,
  enabled: () => true,
  address: (config) => config.web,
  async deps({ config, log, running }) {
    const gatewayUrl =
      config.web.gatewayUrl ??
      running.gateway ??
      `http://${config.gateway.host}:${config.gateway.port}`;
    return {
      deps: { gatewayUrl, log: log.child({ service: 'web' }) },
      close: async () => {},
    };
  },
  build: buildWebServer,
});
