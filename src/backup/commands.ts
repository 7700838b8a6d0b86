import { type CommandTable, flag, positional, stringOption } from '../platform/cli-kit.ts';
import { progressLine } from '../platform/progress-line.ts';
import { backup } from './backup.ts';
import { passphraseFrom } from './passphrase.ts';
import { restore } from './restore.ts';

const passphraseOption = { 'passphrase-file': { type: 'string' as const } };

/** Progress on one redrawn line on a terminal: the table or object being copied, and a count. */
function reporter(out: (line: string) => void) {
  const line = progressLine(undefined);
  return {
    out: (text: string) => {
      line.clear();
      out(text);
    },
    progress: (what: string, done: number) => line.update(done, what),
  };
}

export const backupCommands: CommandTable = {
  backup: {
    summary: 'write the database, roles, objects and sealed master keys to one file',
    usage: 'tessera backup <file> [--passphrase-file <file>]',
    options: passphraseOption,
    async run(input, ctx) {
      const file = positional(input, 0, 'the file to write', this.usage);
      const passphrase = await passphraseFrom(stringOption(input, 'passphrase-file'), {
        confirm: true,
        stdin: ctx.stdin,
      });
      await backup({ ...ctx, ...reporter(ctx.out) }, file, passphrase);
    },
  },
  restore: {
    summary: 'restore a backup into an empty installation (--force replaces one)',
    usage: 'tessera restore <file> [--passphrase-file <file>] [--force]',
    options: { ...passphraseOption, force: { type: 'boolean' } },
    async run(input, ctx) {
      const file = positional(input, 0, 'the backup file', this.usage);
      await restore({ ...ctx, ...reporter(ctx.out) }, file, {
        force: flag(input, 'force'),
        passphrase: () =>
          passphraseFrom(stringOption(input, 'passphrase-file'), {
            confirm: false,
            stdin: ctx.stdin,
          }),
      });
    },
  },
};
