import { pino } from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stderr, so stdout stays for what a command prints. */
export function createLogger(level: string, name = 'tessera'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: ['password', '*.password', 'connectionString', '*.connectionString', 'url'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
