import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../platform/config.ts';
import { connect, createPool, quoteLiteral, withCredentials } from '../../platform/db/pool.ts';
import { scramVerifier } from '../../platform/db/scram.ts';
import { listen } from '../../platform/http/listen.ts';
import type { Logger } from '../../platform/log.ts';
import { localSecret } from '../../platform/secrets.ts';
import { roles } from '../policy.ts';
import { buildPortal } from './app.ts';
import { defaultSessionSettings } from './sign-in.ts';

export const portalWebRoot = fileURLToPath(new URL('../../../web/portal/dist/', import.meta.url));

export type RunningPortal = { url: string; close(): Promise<void> };

/** Serves the portal until closed. `adminUrl` is the database owner's URL, used only for set-up. */
export async function runPortal(
  config: Config,
  log: Logger,
  adminUrl: string,
  port = config.portal.port,
): Promise<RunningPortal> {
  const databaseUrl = config.portal.databaseUrl ?? (await setUpAuthenticator(config, adminUrl));
  const pool = createPool(databaseUrl, { max: 10, applicationName: 'tessera-portal' });
  const app = await buildPortal({
    pool,
    databaseUrl,
    log: log.child({ service: 'portal' }),
    allowCidrs: config.portal.allowCidrs,
    trustProxy: config.portal.trustProxy,
    sessions: defaultSessionSettings,
    workspace: config.portal.sql,
    webRoot: portalWebRoot,
  });
  try {
    const url = await listen(app, { host: config.portal.host, port });
    return {
      url,
      async close() {
        await app.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/**
 * Without PORTAL_DATABASE_URL the portal's authenticator gets a password kept in the data
 * directory, set (as a SCRAM verifier) on every start; several portals on one machine share it.
 */
async function setUpAuthenticator(config: Config, adminUrl: string): Promise<string> {
  const password = await localSecret(path.join(config.dataDir, 'portal-authenticator.secret'));
  const admin = await connect(adminUrl, 'tessera-portal-setup');
  try {
    await admin.query(
      `alter role ${roles.portal} with login password ${quoteLiteral(scramVerifier(password))}`,
    );
  } finally {
    await admin.end();
  }
  return withCredentials(adminUrl, roles.portal, password);
}
