import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { startEmbedded } from './embedded.ts';

/** The database the system uses: the one DATABASE_URL names, or an embedded server started now. */
export type DatabaseServer = {
  url: string;
  embedded: boolean;
  dataDir?: string;
  stop(): Promise<void>;
};

export async function openDatabaseServer(config: Config, log: Logger): Promise<DatabaseServer> {
  if (config.database.url) {
    return { url: config.database.url, embedded: false, stop: async () => {} };
  }
  const server = await startEmbedded({ ...config.database.embedded, log });
  return { url: server.url, embedded: true, dataDir: server.dataDir, stop: server.stop };
}
