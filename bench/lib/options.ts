// A bench's command line: numbers, each with a default and the kind of value it takes, and flags.
// A value of another kind prints the usage and leaves with 2 (an unknown option throws).
import path from 'node:path';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

const kinds = {
  /** A whole number from 1. */
  count: { letter: 'N', takes: (n: number) => Number.isInteger(n) && n >= 1 },
  /** A whole number from 0. */
  'count or 0': { letter: 'N', takes: (n: number) => Number.isInteger(n) && n >= 0 },
  /** Seconds, more than 0. */
  seconds: { letter: 'S', takes: (n: number) => n > 0 },
  /** Seconds, from 0. */
  'seconds or 0': { letter: 'S', takes: (n: number) => n >= 0 },
};

export type Option = { kind: keyof typeof kinds; default: number } | { kind: 'flag' };

export type Options<O extends Record<string, Option>> = {
  [K in keyof O]: O[K] extends { kind: 'flag' } ? boolean : number;
};

/** The options given to the bench, in the order they are declared in the usage. */
export function parseOptions<O extends Record<string, Option>>(options: O): Options<O> {
  const declared = Object.entries(options);
  const config: ParseArgsOptionsConfig = Object.fromEntries(
    declared.map(([name, option]) => [
      name,
      option.kind === 'flag'
        ? { type: 'boolean', default: false }
        : { type: 'string', default: String(option.default) },
    ]),
  );
  const { values } = parseArgs({ options: config });
  const parsed: Record<string, number | boolean> = {};
  for (const [name, option] of declared) {
    if (option.kind === 'flag') {
      parsed[name] = values[name] === true;
      continue;
    }
    const value = Number(values[name]);
    if (!kinds[option.kind].takes(value)) {
      const usage = declared.map(([other, { kind }]) =>
        kind === 'flag' ? `[--${other}]` : `[--${other} ${kinds[kind].letter}]`,
      );
      console.error(`usage: node bench/${path.basename(process.argv[1] ?? '')} ${usage.join(' ')}`);
      process.exit(2);
    }
    parsed[name] = value;
  }
  return parsed as Options<O>;
}
