// The whole system in one process (`tessera start`, what `npm start` runs), and each service alone
// (`tessera serve <service>`, how the cloud runs them).
import { runPortal } from './commerce/portal/run.ts';
import { runGateway } from './images/gateway/run.ts';
import { type RunningService, runImageApi } from './images/run.ts';
import { runStreamIngest } from './images/stream/service.ts';
import { runWeb } from './images/web/run.ts';
import {
  type Command,
  type CommandContext,
  type CommandTable,
  stringOption,
} from './platform/cli-kit.ts';
import { migrate } from './platform/db/migrate.ts';
import { connect } from './platform/db/pool.ts';
import { openDatabaseServer } from './platform/db/server.ts';
import { UsageError } from './platform/errors.ts';
import { untilSignal } from './platform/http/listen.ts';
import { schemas } from './schemas.ts';

export const startCommand: CommandTable = {
  start: {
    summary: 'run the whole system (database, portal, image API, gateway, web app) until Ctrl-C',
    usage: 'tessera start',
    logLevel: 'info',
    async run(_input, ctx) {
      const server = await openDatabaseServer(ctx.config, ctx.log);
      // Services stop in the reverse of the order they started, the database last.
      const running: RunningService[] = [];
      try {
        await migrateDatabase(server.url, (name) => ctx.log.info({ migration: name }, 'applied'));
        const portal = await runPortal(ctx.config, ctx.log, server.url);
        running.push(portal);
        const images = await runImageApi(ctx.config, ctx.log, server.url);
        running.push(images);
        const gateway = await runGateway(ctx.config, ctx.log, server.url, {
          imageApiUrls: [images.url],
        });
        running.push(gateway);
        const stream = ctx.config.stream
          ? await runStreamIngest(ctx.config, ctx.log, server.url)
          : undefined;
        if (stream) running.push(stream);
        const web = await runWeb(ctx.config, ctx.log, ctx.config.web.gatewayUrl ?? gateway.url);
        running.push(web);
        const database = server.embedded
          ? `embedded PostgreSQL on 127.0.0.1:${ctx.config.database.embedded.port} (data in ${server.dataDir})`
          : 'DATABASE_URL';
        for (const line of [
          '',
          '  Tessera is running.',
          `  Commerce portal:  ${portal.url}`,
          `  Upload web app:   ${web.url}`,
          `  Gateway:          ${gateway.url}  (metrics at /metrics; the image API, ${images.url}, answers only through it)`,
          `  Database:         ${database}`,
          stream
            ? `  Stream ingest:    ${ctx.config.stream?.topic} on ${ctx.config.stream?.brokers.join(', ')} (metrics at ${stream.url}/metrics)`
            : '  Stream ingest:    off (set KAFKA_BROKERS=host:port to consume images from Kafka)',
          '',
          '  First administrator:    npx tessera users add <login> --team admin',
          '  A person of a team:     npx tessera users add <login> --team logistics|analytics|sales',
          '  An engineer with a key: npx tessera principals add <name> --role engineer && npx tessera keys create <name>',
          '  Stop with Ctrl-C.',
          '',
        ]) {
          ctx.out(line);
        }
        const signal = await untilSignal();
        ctx.log.info({ signal }, 'shutting down');
      } finally {
        for (const service of running.reverse())
          await service.close().catch((error) => ctx.log.error({ err: error }, 'close failed'));
        await server.stop();
      }
      ctx.out('Stopped.');
    },
  },
};

/** One service alone: `tessera serve <name> [--port n]`, how the cloud runs them. */
function serveAlone(
  name: string,
  summary: string,
  run: (
    ctx: CommandContext,
    databaseUrl: string,
    port: number | undefined,
  ) => Promise<RunningService>,
): Command {
  return {
    summary,
    usage: `tessera serve ${name} [--port <n>]`,
    logLevel: 'info',
    options: { port: { type: 'string' } },
    async run(input, ctx) {
      const port = portOption(stringOption(input, 'port'));
      const server = await openDatabaseServer(ctx.config, ctx.log);
      try {
        // The embedded database is ours to keep current; an external one is migrated on purpose.
        if (server.embedded) await migrateDatabase(server.url, () => {});
        const service = await run(ctx, server.url, port);
        ctx.out(`${summary}: ${service.url}`);
        await untilSignal();
        await service.close();
      } finally {
        await server.stop();
      }
    },
  };
}

export const serveCommands: CommandTable = {
  web: {
    summary: 'The upload web app',
    usage: 'tessera serve web [--port <n>]',
    logLevel: 'info',
    options: { port: { type: 'string' } },
    async run(input, ctx) {
      // The app needs no database: it only talks to the gateway.
      const gatewayUrl =
        ctx.config.web.gatewayUrl ?? `http://${ctx.config.gateway.host}:${ctx.config.gateway.port}`;
      const web = await runWeb(
        ctx.config,
        ctx.log,
        gatewayUrl,
        portOption(stringOption(input, 'port')),
      );
      ctx.out(`The upload web app: ${web.url} (gateway ${gatewayUrl})`);
      await untilSignal();
      await web.close();
    },
  },
  portal: serveAlone('portal', 'The commerce admin portal', (ctx, url, port) =>
    runPortal(ctx.config, ctx.log, url, port),
  ),
  'image-api': serveAlone('image-api', 'The image API', (ctx, url, port) =>
    runImageApi(ctx.config, ctx.log, url, port === undefined ? {} : { port }),
  ),
  'stream-ingest': serveAlone(
    'stream-ingest',
    'Stream ingestion (health and metrics)',
    (ctx, url, port) => runStreamIngest(ctx.config, ctx.log, url, port),
  ),
  gateway: serveAlone('gateway', 'The API gateway (in front of IMAGE_API_URL)', (ctx, url, port) =>
    runGateway(ctx.config, ctx.log, url, port === undefined ? {} : { port }),
  ),
};

function portOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--port takes a port number (0 to 65535)');
  return port;
}

async function migrateDatabase(url: string, onApplied: (name: string) => void): Promise<void> {
  const db = await connect(url, 'tessera-start');
  try {
    await migrate(db, schemas, onApplied);
  } finally {
    await db.end();
  }
}
