// The passphrase comes from a file (scripts, cron) or is typed at the terminal without echo.
import { readFile } from 'node:fs/promises';
import type { ReadStream } from 'node:tty';
import { UsageError } from '../platform/errors.ts';

const MIN_LENGTH = 10;

export async function passphraseFrom(
  file: string | undefined,
  options: { confirm: boolean; stdin: NodeJS.ReadableStream },
): Promise<string> {
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        `cannot read the passphrase file ${file}: ${error.code ?? error.message}`,
      );
    });
    return checked(text.split(/\r?\n/)[0] ?? '');
  }
  const tty = options.stdin as ReadStream;
  if (!tty.isTTY)
    throw new UsageError('no terminal to ask for the passphrase on: give --passphrase-file <file>');
  const first = checked(await askHidden(tty, 'Passphrase for the master keys: '));
  if (options.confirm && (await askHidden(tty, 'The same again: ')) !== first)
    throw new UsageError('the two passphrases differ');
  return first;
}

function checked(passphrase: string): string {
  if (passphrase.length < MIN_LENGTH)
    throw new UsageError(`the passphrase must be at least ${MIN_LENGTH} characters long`);
  return passphrase;
}

function askHidden(tty: ReadStream, prompt: string): Promise<string> {
  process.stderr.write(prompt);
  tty.setRawMode(true);
  tty.resume();
  let typed = '';
  return new Promise((resolve, reject) => {
    const done = (outcome: () => void) => {
      tty.off('data', onData);
      tty.setRawMode(false);
      tty.pause();
      process.stderr.write('\n');
      outcome();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(() => resolve(typed));
        if (char === '\u0003') return done(() => reject(new UsageError('cancelled')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    tty.on('data', onData);
  });
}
