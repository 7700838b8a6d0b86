import { sqlState } from '../db/pool.ts';
import { AppError } from '../errors.ts';

export type HttpError = {
  status: number;
  code: string;
  message: string;
  /** For invalid input: what is wrong with each field, by its path (`items.0.quantity`). */
  fields?: Record<string, string>;
};

// PostgreSQL errors by SQLSTATE, never by message text. Our procedures raise P0001 (and a few
// standard codes) with messages written for people, which pass through.
const bySqlState: Record<string, { status: number; code: string; message?: string }> = {
  '42501': { status: 403, code: 'forbidden', message: 'Your team may not do this.' },
  '23505': { status: 409, code: 'duplicate' },
  '23503': { status: 400, code: 'unknown_reference' },
  '23514': { status: 400, code: 'invalid' },
  '23502': { status: 400, code: 'missing_value' },
  '22P02': { status: 400, code: 'invalid', message: 'A value has the wrong form.' },
  '22003': { status: 400, code: 'invalid', message: 'A number is out of range.' },
  '40001': { status: 409, code: 'conflict' },
  P0001: { status: 400, code: 'rejected' },
};

// Messages of these SQLSTATEs are ours (procedures and triggers) or PostgreSQL's plain words about
// the user's own input; other database messages may reveal internals and are replaced.
const ownMessages = new Set(['P0001', '23505', '23514', '40001', '23503']);

/** What a caller is told about an error: its status, a stable code, and words without internals. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof AppError)
    return { status: error.status, code: error.code, message: error.message };
  const state = sqlState(error);
  const mapped = state ? bySqlState[state] : undefined;
  if (mapped && state) {
    const text = ownMessages.has(state) ? (error as Error).message : undefined;
    return {
      status: mapped.status,
      code: mapped.code,
      message: mapped.message ?? text ?? 'The database refused the change.',
    };
  }
  const fastifyError = error as FastifyLikeError;
  if (fastifyError.validation) return invalidRequest(fastifyError.validation);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return {
      status,
      code: (fastifyError.code ?? 'bad_request').toLowerCase(),
      message: fastifyError.message ?? 'Bad request.',
    };
  }
  return {
    status: 500,
    code: 'internal',
    message: 'Something went wrong on our side. It has been logged.',
  };
}

type FastifyLikeError = {
  validation?: { instancePath?: string; message?: string }[];
  statusCode?: number;
  code?: string;
  message?: string;
};

function invalidRequest(issues: { instancePath?: string; message?: string }[]): HttpError {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const path = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.') || '(request)';
    fields[path] ??= issue.message ?? 'is not valid';
  }
  const summary = Object.entries(fields)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');
  return { status: 400, code: 'invalid_request', message: `Please correct: ${summary}`, fields };
}
