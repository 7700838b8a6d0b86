import { isIP } from 'node:net';
import { UsageError } from './errors.ts';

/** Checks a network in CIDR form (`10.8.0.0/16`, `2001:db8::/32`; a bare address is one host). */
export function parseCidr(value: string): string {
  const [address = '', prefix, extra] = value.trim().split('/');
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  const bits = prefix === undefined ? max : Number(prefix);
  const wellFormed = family !== 0 && extra === undefined && /^\d*$/.test(prefix ?? '');
  if (!wellFormed || !Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new Error(`"${value}" is not a network in CIDR form (like 10.8.0.0/16 or 2001:db8::/32)`);
  }
  return `${address}/${bits}`;
}

/** A comma-separated list of CIDRs, as environment variables give them. */
export function parseCidrList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseCidr);
}

/** Networks given as repeated command-line options; a bad one is a usage error naming it. */
export function parseCidrOptions(values: string[]): string[] {
  return values.map((value) => {
    try {
      return parseCidr(value);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
}
