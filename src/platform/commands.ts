import type { CommandTable } from './cli-kit.ts';
import { describeConfig } from './config.ts';
import { describeFleetSharing } from './fleet-sharing.ts';

export const platformCommands: CommandTable = {
  config: {
    summary: 'print the effective settings (secrets hidden)',
    usage: 'tessera config',
    async run(_input, ctx) {
      const settings = { ...describeConfig(ctx.config), ...describeFleetSharing(ctx.config) };
      for (const [key, value] of Object.entries(settings)) ctx.out(`${key}: ${value}`);
    },
  },
};
