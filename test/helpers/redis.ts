// A real redis-server on a free loopback port, for the tests of what gateways share through Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';

const redisServer = '/usr/bin/redis-server';

/** Why a test that needs Redis is skipped here, or false when it can run. */
export const redisMissing = existsSync(redisServer) ? false : 'redis-server is not installed';

export type TestRedis = {
  /** A client that has answered PING: the server is up. */
  connect(): Promise<Redis>;
  close(): Promise<void>;
};

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const server: ChildProcess = spawn(
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const clients: Redis[] = [];
  return {
    async connect() {
      const client = new Redis({
        port,
        host: '127.0.0.1',
        maxRetriesPerRequest: 20,
        // The server may still be starting: connect again every 50 ms for a few seconds.
        retryStrategy: (times) => (times > 100 ? null : 50),
      });
      // Refused connections while the server starts are expected; the PING below says if it never did.
      client.on('error', () => {});
      clients.push(client);
      await client.ping();
      return client;
    },
    async close() {
      for (const client of clients) client.disconnect();
      if (server.exitCode === null && server.signalCode === null) {
        server.kill();
        await once(server, 'exit');
      }
    },
  };
}
