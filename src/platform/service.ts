// Every service is put together the same way: its dependencies from configuration (`deps`: pools,
// stores, clients), its Fastify app from those (`build`, no port), and `runService`, which listens,
// starts the work beside requests (`background`: a sweeper, a consumer) and closes it all in the
// reverse order. `tessera start`, `tessera serve <name>`, the benches and the test helpers all go
// through these steps; a test may replace a dependency before `build`, never the composition.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { listen } from './http/listen.ts';
import type { Logger } from './log.ts';

/** What a service is given besides its configuration. */
export type ServiceContext = {
  config: Config;
  log: Logger;
  /** The database owner's URL (DATABASE_URL or the embedded server's); '' for a service without one. */
  databaseUrl: string;
  /** The base URLs of the services already running in this process (`tessera start`), by name. */
  running: Readonly<Record<string, string>>;
};

/** Dependencies, and how to let go of what opening them took (pools, connections, clients). */
export type Opened<Deps> = { deps: Deps; close(): Promise<void> };

/** Work that goes on beside requests, stopped before the app closes. */
export type Background = { stop(): Promise<void> };

export type Service<Deps> = {
  name: string;
  summary: string;
  /** Services without a database (the web app) run without opening one. */
  usesDatabase: boolean;
  /** Off in this configuration (stream ingestion without KAFKA_BROKERS): `tessera start` skips it. */
  enabled(config: Config): boolean;
  /** Where it listens unless told otherwise. */
  address(config: Config): { host: string; port: number };
  deps(context: ServiceContext): Promise<Opened<Deps>>;
  build(deps: Deps): Promise<FastifyInstance>;
  background?(deps: Deps): Promise<Background>;
};

export type RunningService = { name: string; url: string; close(): Promise<void> };

/** A service of any dependencies, as the table of services holds them. */
export type AnyService = Pick<
  Service<unknown>,
  'name' | 'summary' | 'usesDatabase' | 'enabled' | 'address'
> & {
  run(context: ServiceContext, options?: { port?: number }): Promise<RunningService>;
};

/** A service with its `run`: deps → build → listen → background. */
export function defineService<Deps>(service: Service<Deps>): Service<Deps> & AnyService {
  return { ...service, run: (context, options) => runService(service, context, options) };
}

export async function runService<Deps>(
  service: Service<Deps>,
  context: ServiceContext,
  options: { port?: number } = {},
): Promise<RunningService> {
  // Each step pushes what undoes it; a failure part-way undoes what was done, newest first.
  const undo: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of undo.splice(0).reverse()) {
      await step().catch((error) =>
        context.log.error({ err: error, service: service.name }, 'close failed'),
      );
    }
  };
  try {
    const opened = await service.deps(context);
    undo.push(opened.close);
    const app = await service.build(opened.deps);
    undo.push(() => app.close());
    const address = service.address(context.config);
    const url = await listen(app, { host: address.host, port: options.port ?? address.port });
    const background = await service.background?.(opened.deps);
    if (background) undo.push(background.stop);
    return { name: service.name, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}
