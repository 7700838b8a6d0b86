// The one command. A table of subcommands; the work lives in each area's commands module. Each
// module is loaded when its command runs, not before: one command (a bulk ingest, say) starts
// without loading every service's libraries (Fastify, KafkaJS, the AWS SDK…).
import {
  type CommandContext,
  type CommandTable,
  helpText,
  parseCommandArgs,
} from './platform/cli-kit.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { AppError, UsageError } from './platform/errors.ts';
import { createLogger } from './platform/log.ts';

const topLevel = async (): Promise<CommandTable> => ({
  ...(await import('./system.ts')).startCommand,
  ...(await import('./platform/commands.ts')).platformCommands,
  ...(await import('./backup/commands.ts')).backupCommands,
});

const groups: Record<string, { summary: string; commands: () => Promise<CommandTable> }> = {
  serve: {
    summary: 'run one service alone',
    commands: async () => (await import('./system.ts')).serveCommands,
  },
  db: {
    summary: 'the commerce database: migrate, verify, access, import, demo data',
    commands: async () => (await import('./commerce/commands.ts')).commerceCommands,
  },
  users: {
    summary: 'personal database logins of the commerce teams',
    commands: async () => (await import('./commerce/commands.ts')).userCommands,
  },
  images: {
    summary: 'the image pipeline: bulk ingest, expiry, keys, the bucket rule',
    commands: async () => (await import('./images/commands.ts')).imageCommands,
  },
  principals: {
    summary: 'who may use the image APIs through the gateway',
    commands: async () => (await import('./images/gateway/commands.ts')).principalCommands,
  },
  keys: {
    summary: 'API keys of principals',
    commands: async () => (await import('./images/gateway/commands.ts')).keyCommands,
  },
  stream: {
    summary: 'the Kafka stream: send, status, dead letters, topics',
    commands: async () => (await import('./images/stream/commands.ts')).streamCommands,
  },
  analytics: {
    summary: 'read-only SQL logins on the analytics schema for BI tools',
    commands: async () => (await import('./images/analytics/commands.ts')).analyticsCommands,
  },
};

async function usage(): Promise<string> {
  const commands = helpText(await topLevel());
  const grouped = await Promise.all(
    Object.entries(groups).map(
      async ([name, group]) =>
        `\n${name}: ${group.summary}\n${helpText(prefixed(name, await group.commands()))}`,
    ),
  );
  return `usage: tessera <command> [options]\n\n${commands}\n${grouped.join('\n')}\n\nRun 'tessera <command> --help' for a command's options.`;
}

function prefixed(prefix: string, table: CommandTable): CommandTable {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix} ${k}`, v]));
}

async function main(argv: string[]): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    console.log(await usage());
    return first === undefined ? 2 : 0;
  }
  const group = groups[first];
  const command = group
    ? second
      ? (await group.commands())[second]
      : undefined
    : (await topLevel())[first];
  const args = group ? rest : [second, ...rest].filter((a): a is string => a !== undefined);
  if (!command) {
    console.error(
      `tessera: unknown command '${[first, group ? second : undefined].filter(Boolean).join(' ')}'\n`,
    );
    console.error(await usage());
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
