import type { FastifyInstance } from 'fastify';
import { StatementError } from '../sql-workspace/run.ts';

/**
 * In this scope, a statement the database refused answers with PostgreSQL's own words, SQLSTATE
 * and position; every other error goes on to the app's own handler.
 */
export function answerStatementErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error, request, reply) => {
    if (!(error instanceof StatementError)) throw error;
    return reply.status(error.status).send({
      code: error.code,
      message: error.message,
      sqlstate: error.sqlstate,
      position: error.position,
      requestId: request.id,
    });
  });
}
