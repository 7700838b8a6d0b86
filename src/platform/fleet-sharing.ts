// What each service shares with the other instances of the fleet, and what it keeps on its own
// machine. A fleet is ready when every service keeps nothing but its logs: anything left in the
// data directory (the embedded database, a generated secret, the fs store's keys) differs between
// machines, and says which variable to set instead.
import path from 'node:path';
import { type Config, redactUrl } from './config.ts';

/** One thing a service needs, and what this machine keeps of it when the fleet does not share it. */
type Part = { name: string; says: string; local?: string };

const inDataDir = (fix: string) => `kept in the data directory: ${fix} for several instances`;

function database(config: Config): Part {
  return config.database.url
    ? { name: 'PostgreSQL', says: redactUrl(config.database.url) }
    : {
        name: 'PostgreSQL',
        local: 'the embedded database',
        says: `embedded in ${config.database.embedded.dataDir}: set DATABASE_URL for several instances`,
      };
}

function objectStore(config: Config): Part[] {
  const storage = config.images.storage;
  if (storage.driver === 's3') {
    return [
      { name: 'the object store', says: `S3 bucket ${storage.bucket}` },
      {
        name: 'KMS',
        says: storage.kmsKeyId ? `SSE-KMS with ${storage.kmsKeyId}` : 'unset: SSE-S3',
      },
    ];
  }
  const local = isInside(storage.dir, config.dataDir);
  return [
    {
      name: 'the object store',
      ...(local ? { local: 'the images' } : {}),
      says: local
        ? inDataDir(`set STORAGE=s3, or STORAGE_DIR to a directory every instance mounts,`)
        : `fs in ${storage.dir}: every instance must mount the same directory`,
    },
    storage.masterKeys
      ? { name: 'STORAGE_MASTER_KEYS', says: 'from the environment' }
      : {
          name: 'STORAGE_MASTER_KEYS',
          local: 'the storage master keys',
          says: inDataDir('set STORAGE_MASTER_KEYS'),
        },
  ];
}

function gatewaySecret(config: Config): Part {
  return config.images.gatewaySecret
    ? { name: 'GATEWAY_SECRET', says: 'from the environment' }
    : {
        name: 'GATEWAY_SECRET',
        local: 'the gateway secret',
        says: inDataDir('set GATEWAY_SECRET'),
      };
}

function authenticator(config: Config): Part {
  if (config.portal.databaseUrl)
    return { name: 'PORTAL_DATABASE_URL', says: 'from the environment' };
  if (config.portal.authenticatorPassword)
    return {
      name: 'PORTAL_AUTHENTICATOR_PASSWORD',
      says: "from the environment: every portal sets the same authenticator's password at start",
    };
  // Each portal sets the authenticator's password from its own file on start.
  return {
    name: 'PORTAL_DATABASE_URL',
    local: 'the portal’s database password',
    says: `unset: the authenticator's password is ${inDataDir('set PORTAL_DATABASE_URL or PORTAL_AUTHENTICATOR_PASSWORD')}`,
  };
}

function services(config: Config): Record<string, Part[]> {
  const rateLimits: Part = config.gateway.redisUrl
    ? {
        name: 'REDIS_URL',
        says: `rate limits shared in ${redactUrl(config.gateway.redisUrl)}`,
      }
    : {
        name: 'REDIS_URL',
        local: 'rate-limit counters (in memory)',
        says: 'unset: rate limits counted per gateway',
      };
  return {
    portal: [database(config), authenticator(config)],
    'image API': [database(config), ...objectStore(config), gatewaySecret(config)],
    gateway: [
      database(config),
      gatewaySecret(config),
      rateLimits,
      {
        name: 'IMAGE_API_URL',
        says:
          config.gateway.imageApiUrls.length > 0
            ? `${config.gateway.imageApiUrls.join(', ')} (taken in turn)`
            : 'unset: the image API started beside it',
      },
    ],
    'stream ingest': config.stream
      ? [
          database(config),
          ...objectStore(config),
          {
            name: 'STREAM_GROUP',
            says: `${config.stream.group}: the consumers share the topic's partitions`,
          },
        ]
      : [{ name: 'Kafka', says: 'off: set KAFKA_BROKERS to turn it on' }],
    web: [
      {
        name: 'GATEWAY_URL',
        says: config.web.gatewayUrl ?? 'unset: the gateway of this machine',
      },
    ],
  };
}

/** Per service: `<service> shares` and `<service> keeps locally`, for `tessera config`. */
export function describeFleetSharing(config: Config): Record<string, string> {
  const lines: Record<string, string> = {};
  const notShared = new Set<string>();
  for (const [service, parts] of Object.entries(services(config))) {
    lines[`${service} shares`] = parts.map((p) => `${p.name}: ${p.says}`).join('; ');
    const local = parts.flatMap((p) => (p.local ? [p.local] : []));
    for (const name of local) notShared.add(name);
    lines[`${service} keeps locally`] =
      local.length === 0 ? 'logs only' : `logs; ${local.join('; ')}`;
  }
  lines.fleet =
    notShared.size === 0
      ? 'ready: every instance keeps nothing but its logs'
      : `one machine only: it keeps ${[...notShared].join('; ')}`;
  return lines;
}

function isInside(dir: string, parent: string): boolean {
  const relative = path.relative(parent, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
