import { schemas } from '../schemas.ts';
import type { CommandTable } from './cli-kit.ts';
import { describeConfig } from './config.ts';
import { migrate } from './db/migrate.ts';
import { connect } from './db/pool.ts';
import { openDatabaseServer } from './db/server.ts';

export const platformCommands: CommandTable = {
  start: {
    summary: 'run the whole system on embedded defaults until Ctrl-C',
    usage: 'tessera start',
    logLevel: 'info',
    async run(_input, ctx) {
      const server = await openDatabaseServer(ctx.config, ctx.log);
      const db = await connect(server.url, 'tessera-start');
      try {
        const report = await migrate(db, schemas, (name) =>
          ctx.log.info({ migration: name }, 'applied'),
        );
        ctx.log.info({ applied: report.applied.length }, 'database schema is current');
      } finally {
        await db.end();
      }
      ctx.out(
        server.embedded
          ? `Tessera is running. Embedded PostgreSQL: 127.0.0.1:${ctx.config.database.embedded.port} (data in ${server.dataDir}).`
          : 'Tessera is running against DATABASE_URL.',
      );
      ctx.out(
        'Add a person: npx tessera users add <login> --team logistics|analytics|sales. Stop with Ctrl-C.',
      );
      await untilSignal();
      ctx.log.info('shutting down');
      await server.stop();
      ctx.out('Stopped.');
    },
  },
  config: {
    summary: 'print the effective settings (secrets hidden)',
    usage: 'tessera config',
    async run(_input, ctx) {
      for (const [key, value] of Object.entries(describeConfig(ctx.config)))
        ctx.out(`${key}: ${value}`);
    },
  },
};

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
