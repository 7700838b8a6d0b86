// What kind of failure an error is, decided in this one place: a dependency's (PostgreSQL or the
// object store unreachable, overloaded, restarting, or a transaction that lost a race), which
// passes and is worth waiting out however long it lasts; or anything else, which the same input
// will most likely meet again, so it is tried a bounded number of times. And how to say it in
// words for someone reading a dead letter: no stack, no credentials.
import { sqlState } from './db/pool.ts';
import { AppError } from './errors.ts';

/** Node's and the drivers' codes for a connection that failed, broke or timed out, or a disk in trouble. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  // The fs store's disk: full, failing, or out of file handles for now.
  'ENOSPC',
  'EIO',
  'EMFILE',
  'ENFILE',
]);

/** SQLSTATEs of a server that cannot serve now, or of a transaction to run again. */
function isTransientSqlState(state: string): boolean {
  return (
    state.startsWith('08') || // connection exception
    state.startsWith('53') || // insufficient resources (too many connections, disk full, …)
    state.startsWith('28') || // the login refused (credentials being rotated)
    ['57P01', '57P02', '57P03'].includes(state) || // shutting down, crashed, starting up
    state === '57014' || // statement timeout
    state === '55P03' || // lock timeout
    state === '40001' || // serialization failure
    state === '40P01' // deadlock
  );
}

// pg reports a connection lost mid-query, or a connect that timed out, as a plain Error without
// a code; these are its words for them (pg 8).
const pgConnectionLost =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout)/;

/** S3 and the AWS SDK: server faults, throttling, timeouts and credentials that could not be had. */
function isTransientS3(error: {
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}): boolean {
  const status = error.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return [
    'TimeoutError',
    'RequestTimeout',
    'RequestTimeoutException',
    'SlowDown',
    'ThrottlingException',
    'CredentialsProviderError',
    'ExpiredToken',
  ].includes(String(error.name));
}

/** True when `error` (or what caused it) is a dependency failing, not the work itself. */
export function isDependencyFailure(error: unknown): boolean {
  for (const each of causes(error)) {
    const state = sqlState(each);
    if (state !== undefined) {
      if (isTransientSqlState(state)) return true;
      continue;
    }
    if (each instanceof AppError) {
      if (each.status === 503 || each.status === 504) return true;
      continue;
    }
    const code = (each as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) return true;
    if (each instanceof Error && pgConnectionLost.test(each.message)) return true;
    if (typeof each === 'object' && each !== null && isTransientS3(each)) return true;
  }
  return false;
}

/** The error in one line of words: its message (and SQLSTATE), without a stack or credentials. */
export function describeFailure(error: unknown): string {
  const state = sqlState(error);
  const text =
    error instanceof Error ? error.message || error.name : String(error ?? 'unknown error');
  const line = text
    .split('\n')[0]
    // A connection string in a message keeps its host, not its password.
    ?.replace(/(\w+:\/\/[^:/@\s]*):[^@\s]*@/g, '$1:*****@')
    .slice(0, 500);
  return state ? `${line} (SQLSTATE ${state})` : (line ?? '');
}

/** The error, then its causes and an AggregateError's parts, at most a few levels down. */
function* causes(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 4) return;
  yield error;
  if (error instanceof AggregateError)
    for (const part of error.errors) yield* causes(part, depth + 1);
  if (error instanceof Error && error.cause !== undefined) yield* causes(error.cause, depth + 1);
}
