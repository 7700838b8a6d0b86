// A TCP relay in front of a real server, which a test can cut and restore: the network's far side
// going away (connections reset, new ones refused) and coming back, as in an outage.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './ports.ts';

export type TcpProxy = {
  port: number;
  /** How many reads of the clients' bytes it has relayed: on loopback, one per write they made. */
  writesToServer(): number;
  /** Resets every open connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
};

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let writesToServer = 0;
  const relay = (client: Socket) => {
    client.on('data', () => writesToServer++);
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  };
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer(relay);
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        server = listening;
        resolve();
      });
    });
  const cut = async () => {
    for (const socket of sockets) socket.resetAndDestroy();
    const closing = server;
    server = undefined;
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };
  await open();
  return { port, writesToServer: () => writesToServer, cut, restore: open, close: cut };
}
