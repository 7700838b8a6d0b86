import type { CommandTable } from './cli-kit.ts';
import { describeConfig } from './config.ts';

export const platformCommands: CommandTable = {
  config: {
    summary: 'print the effective settings (secrets hidden)',
    usage: 'tessera config',
    async run(_input, ctx) {
      for (const [key, value] of Object.entries(describeConfig(ctx.config)))
        ctx.out(`${key}: ${value}`);
    },
  },
};
