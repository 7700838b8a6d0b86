// The one command. A table of subcommands; the work lives in each area's commands module.
import { backupCommands } from './backup/commands.ts';
import { commerceCommands, userCommands } from './commerce/commands.ts';
import { analyticsCommands } from './images/analytics/commands.ts';
import { imageCommands } from './images/commands.ts';
import { keyCommands, principalCommands } from './images/gateway/commands.ts';
import { streamCommands } from './images/stream/commands.ts';
import {
  type CommandContext,
  type CommandTable,
  helpText,
  parseCommandArgs,
} from './platform/cli-kit.ts';
import { platformCommands } from './platform/commands.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { AppError, UsageError } from './platform/errors.ts';
import { createLogger } from './platform/log.ts';
import { serveCommands, startCommand } from './system.ts';

const topLevel: CommandTable = { ...startCommand, ...platformCommands, ...backupCommands };

const groups: Record<string, { summary: string; commands: CommandTable }> = {
  serve: { summary: 'run one service alone', commands: serveCommands },
  db: {
    summary: 'the commerce database: migrate, verify, access, import, demo data',
    commands: commerceCommands,
  },
  users: { summary: 'personal database logins of the commerce teams', commands: userCommands },
  images: {
    summary: 'the image pipeline: bulk ingest, expiry, keys, the bucket rule',
    commands: imageCommands,
  },
  principals: {
    summary: 'who may use the image APIs through the gateway',
    commands: principalCommands,
  },
  keys: { summary: 'API keys of principals', commands: keyCommands },
  stream: {
    summary: 'the Kafka stream: send, status, dead letters, topics',
    commands: streamCommands,
  },
  analytics: {
    summary: 'read-only SQL logins on the analytics schema for BI tools',
    commands: analyticsCommands,
  },
};

function usage(): string {
  const commands = helpText(topLevel);
  const grouped = Object.entries(groups)
    .map(
      ([name, group]) => `\n${name}: ${group.summary}\n${helpText(prefixed(name, group.commands))}`,
    )
    .join('\n');
  return `usage: tessera <command> [options]\n\n${commands}\n${grouped}\n\nRun 'tessera <command> --help' for a command's options.`;
}

function prefixed(prefix: string, table: CommandTable): CommandTable {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix} ${k}`, v]));
}

async function main(argv: string[]): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    console.log(usage());
    return first === undefined ? 2 : 0;
  }
  const group = groups[first];
  const command = group ? (second ? group.commands[second] : undefined) : topLevel[first];
  const args = group ? rest : [second, ...rest].filter((a): a is string => a !== undefined);
  if (!command) {
    console.error(
      `tessera: unknown command '${[first, group ? second : undefined].filter(Boolean).join(' ')}'\n`,
    );
    console.error(usage());
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`${command.summary}\n\nusage: ${command.usage}`);
    return 0;
  }
  const input = parseCommandArgs(command, args);
  const config = loadConfig(process.env);
  const ctx: CommandContext = {
    config,
    log: createLogger(config.log.level ?? command.logLevel ?? 'warn'),
    out: (line) => process.stdout.write(`${line}\n`),
    stdin: process.stdin,
  };
  return (await command.run(input, ctx)) ?? 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof ConfigError) {
    console.error(`tessera: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof AppError) {
    console.error(`tessera: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) console.error(error.stack);
    process.exitCode = 1;
  }
}
