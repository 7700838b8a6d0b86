// The system is a table of services. `tessera start` (what `npm start` runs) opens the database
// and runs every service that is on, in order, each finding the ones before it; `tessera serve
// <name>` runs one alone, as the cloud does. Both go through runService (src/platform/service.ts).
import { portalService } from './commerce/portal/service.ts';
import { imageApiService } from './images/api/service.ts';
import { gatewayService } from './images/gateway/service.ts';
import { streamIngestService } from './images/stream/service.ts';
import { webService } from './images/web/service.ts';
import { type CommandTable, stringOption } from './platform/cli-kit.ts';
import type { Config } from './platform/config.ts';
import { migrate } from './platform/db/migrate.ts';
import { connect } from './platform/db/pool.ts';
import { openDatabaseServer } from './platform/db/server.ts';
import { UsageError } from './platform/errors.ts';
import { untilSignal } from './platform/http/listen.ts';
import type { AnyService, RunningService } from './platform/service.ts';
import { schemas } from './schemas.ts';

/** Every service, in the order they start: each may use those before it. */
export const services: readonly AnyService[] = [
  portalService,
  imageApiService,
  gatewayService,
  streamIngestService,
  webService,
];

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
        const urls: Record<string, string> = {};
        for (const service of services.filter((s) => s.enabled(ctx.config))) {
          const started = await service.run({
            config: ctx.config,
            log: ctx.log,
            databaseUrl: server.url,
            running: urls,
          });
          running.push(started);
          urls[service.name] = started.url;
        }
        const database = server.embedded
          ? `embedded PostgreSQL on 127.0.0.1:${ctx.config.database.embedded.port} (data in ${server.dataDir})`
          : 'DATABASE_URL';
        for (const line of welcome(ctx.config, urls, database)) ctx.out(line);
        const signal = await untilSignal();
        ctx.log.info({ signal }, 'shutting down');
      } finally {
        for (const service of running.reverse()) await service.close();
        await server.stop();
      }
      ctx.out('Stopped.');
    },
  },
};

function welcome(config: Config, urls: Record<string, string>, database: string): string[] {
  return [
    '',
    '  Tessera is running.',
    `  Commerce portal:  ${urls.portal}`,
    `  Upload web app:   ${urls.web}`,
    `  Gateway:          ${urls.gateway}  (metrics at /metrics; the image API, ${urls['image-api']}, answers only through it)`,
    `  Database:         ${database}`,
    config.stream
      ? `  Stream ingest:    ${config.stream.topic} on ${config.stream.brokers.join(', ')} (metrics at ${urls['stream-ingest']}/metrics)`
      : '  Stream ingest:    off (set KAFKA_BROKERS=host:port to consume images from Kafka)',
    '',
    '  First administrator:    npx tessera users add <login> --team admin',
    '  A person of a team:     npx tessera users add <login> --team logistics|analytics|sales',
    '  An engineer with a key: npx tessera principals add <name> --role engineer && npx tessera keys create <name>',
    '  Stop with Ctrl-C.',
    '',
  ];
}

/** `tessera serve <name> [--port n]`: one service alone, how the cloud runs them. */
export const serveCommands: CommandTable = Object.fromEntries(
  services.map((service) => [
    service.name,
    {
      summary: service.summary,
      usage: `tessera serve ${service.name} [--port <n>]`,
      logLevel: 'info',
      options: { port: { type: 'string' } },
      async run(input, ctx) {
        const port = portOption(stringOption(input, 'port'));
        const context = { config: ctx.config, log: ctx.log, databaseUrl: '', running: {} };
        if (!service.usesDatabase) {
          await serveUntilSignal(service, context, port, ctx.out);
          return;
        }
        const server = await openDatabaseServer(ctx.config, ctx.log);
        try {
          // The embedded database is ours to keep current; an external one is migrated on purpose.
          if (server.embedded) await migrateDatabase(server.url, () => {});
          await serveUntilSignal(service, { ...context, databaseUrl: server.url }, port, ctx.out);
        } finally {
          await server.stop();
        }
      },
    },
  ]),
);

async function serveUntilSignal(
  service: AnyService,
  context: Parameters<AnyService['run']>[0],
  port: number | undefined,
  out: (line: string) => void,
): Promise<void> {
  const running = await service.run(context, port === undefined ? {} : { port });
  out(`${service.summary}: ${running.url}`);
  await untilSignal();
  await running.close();
}

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
