import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Config } from './config.ts';
import { UsageError } from './errors.ts';
import type { Logger } from './log.ts';

/** What every command gets: the validated config, a logger, and its streams. */
export type CommandContext = {
  config: Config;
  log: Logger;
  out: (line: string) => void;
  stdin: NodeJS.ReadableStream;
};

export type Command = {
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  /** The log level when LOG_LEVEL is not set; one-shot commands default to 'warn'. */
  logLevel?: 'info';
  run(input: CommandInput, ctx: CommandContext): Promise<number | undefined>;
};

export type CommandInput = {
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
};

export type CommandTable = Record<string, Command>;

export function parseCommandArgs(command: Command, args: string[]): CommandInput {
  try {
    const parsed = parseArgs({
      args,
      options: command.options ?? {},
      allowPositionals: true,
      strict: true,
    });
    return { positionals: parsed.positionals, values: parsed.values };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${command.usage}`);
  }
}

export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A whole number option from 1 to `max`, `fallback` when it is not given. */
export function countOption(
  input: CommandInput,
  name: string,
  range: { fallback: number; max: number },
): number {
  const count = Number(stringOption(input, name) ?? range.fallback);
  if (!Number.isInteger(count) || count < 1 || count > range.max)
    throw new UsageError(`--${name} takes a whole number from 1 to ${range.max}`);
  return count;
}

export function stringList(input: CommandInput, name: string): string[] {
  const value = input.values[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function flag(input: CommandInput, name: string): boolean {
  return input.values[name] === true;
}

export function positional(
  input: CommandInput,
  index: number,
  what: string,
  usage: string,
): string {
  const value = input.positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}\nusage: ${usage}`);
  return value;
}

export function helpText(table: CommandTable): string {
  const width = Math.max(...Object.keys(table).map((k) => k.length));
  return Object.entries(table)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join('\n');
}
