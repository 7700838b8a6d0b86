import { type CommandTable, flag } from './cli-kit.ts';
import { configurationMarkdown, describeConfig } from './config.ts';
import { describeFleetSharing } from './fleet-sharing.ts';

export const platformCommands: CommandTable = {
  config: {
    summary:
      'print the effective settings (secrets hidden), or with --variables every variable, its default and meaning',
    usage: 'tessera config [--variables]',
    options: { variables: { type: 'boolean' } },
    async run(input, ctx) {
      if (flag(input, 'variables')) {
        ctx.out(configurationMarkdown().trimEnd());
        return;
      }
      const settings = { ...describeConfig(ctx.config), ...describeFleetSharing(ctx.config) };
      for (const [key, value] of Object.entries(settings)) ctx.out(`${key}: ${value}`);
    },
  },
};
