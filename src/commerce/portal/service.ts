// The portal as a service: a pool connected as the authenticator (PORTAL_DATABASE_URL, or set up
// from the owner's URL on one machine) and the built browser UI.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../platform/config.ts';
import { connect, createPool, quoteLiteral, withCredentials } from '../../platform/db/pool.ts';
import { listenForRevocations } from '../../platform/db/revocations.ts';
import { scramVerifier } from '../../platform/db/scram.ts';
import { localSecret } from '../../platform/secrets.ts';
import { defineService } from '../../platform/service.ts';
import { roles } from '../policy.ts';
import { buildPortal } from './app.ts';
import type { PortalDeps } from './context.ts';
import { createSessionCache, sessionChannel } from './sign-in.ts';

export const portalWebRoot = fileURLToPath(new URL('../../../web/portal/dist/', import.meta.url));

export const portalService = defineService<PortalDeps>({
  name: 'portal',
  summary: 'The commerce admin portal',
  usesDatabase: true,
  enabled: () => true,
  address: (config) => config.portal,
  async deps({ config, log, databaseUrl: adminUrl }) {
    const databaseUrl = config.portal.databaseUrl ?? (await setUpAuthenticator(config, adminUrl));
    const pool = createPool(databaseUrl, {
      max: config.portal.poolSize,
      applicationName: 'tessera-portal',
      // Each request is a few statements in one transaction: written together where they can be.
      pipeline: true,
    });
    const portalLog = log.child({ service: 'portal' });
    const { sessionCache: cacheSettings } = config.portal;
    const sessionCache = cacheSettings.max > 0 ? createSessionCache(cacheSettings) : undefined;
    const revocations = sessionCache
      ? listenForRevocations(
          {
            databaseUrl,
            channel: sessionChannel,
            what: 'session',
            cache: sessionCache,
            log: portalLog,
          },
          { applicationName: 'tessera-portal-sessions' },
        )
      : undefined;
    return {
      deps: {
        pool,
        databaseUrl,
        log: portalLog,
        allowCidrs: config.portal.allowCidrs,
        trustProxy: config.portal.trustProxy,
        sessions: config.portal.sessions,
        workspace: config.sqlWorkspace,
        webRoot: portalWebRoot,
        sessionCache,
      },
      async close() {
        await revocations?.close();
        await pool.end();
      },
    };
  },
  build: buildPortal,
});

/**
 * Without PORTAL_DATABASE_URL the portal sets the authenticator's password (as a SCRAM verifier) on
 * every start: PORTAL_AUTHENTICATOR_PASSWORD, the same for the whole fleet, or one kept in the data
 * directory, which only the portals of one machine share.
 */
async function setUpAuthenticator(config: Config, adminUrl: string): Promise<string> {
  const password =
    config.portal.authenticatorPassword ??
    (await localSecret(path.join(config.dataDir, 'portal-authenticator.secret')));
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
