import { BlockList, isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A set of networks; addresses are compared after unwrapping IPv4-mapped IPv6 (::ffff:a.b.c.d). */
export function networkList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  return list;
}

export function contains(list: BlockList, address: string): boolean {
  const plain =
    address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 0) return false;
  return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Refuses, before anything else runs, every request whose client address is outside `cidrs`.
 * The address is Fastify's request.ip: X-Forwarded-For counts only from configured trusted proxies.
 */
export function allowOnly(app: FastifyInstance, cidrs: readonly string[]): void {
  const allowed = networkList(cidrs);
  app.addHook('onRequest', async (request, reply) => {
    if (contains(allowed, request.ip)) return;
    request.log.warn({ address: request.ip }, 'address not allowed');
    return reply.status(403).send({
      code: 'address_not_allowed',
      message: 'This service is not available from your network.',
      requestId: request.id,
    });
  });
}
