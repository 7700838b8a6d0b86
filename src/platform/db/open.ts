import type { CommandContext } from '../cli-kit.ts';
import { AppError } from '../errors.ts';
import { migrate, migrationStatus, type SchemaSource } from './migrate.ts';
import { type Connection, connect } from './pool.ts';
import { openDatabaseServer } from './server.ts';

/**
 * Runs a command's work against the database: DATABASE_URL's server, or the embedded one (started
 * for the command and stopped after it, and migrated first, since it is ours to keep current).
 */
export async function withDatabase<T>(
  ctx: CommandContext,
  schemas: SchemaSource[],
  work: (db: Connection, url: string) => Promise<T>,
): Promise<T> {
  const server = await openDatabaseServer(ctx.config, ctx.log);
  try {
    const db = await connect(server.url, 'tessera-cli');
    try {
      if (server.embedded) await migrate(db, schemas);
      else await requireMigrated(db, schemas);
      return await work(db, server.url);
    } finally {
      await db.end();
    }
  } finally {
    await server.stop();
  }
}

async function requireMigrated(db: Connection, schemas: SchemaSource[]): Promise<void> {
  const pending = (await migrationStatus(db, schemas)).filter((m) => m.appliedAt === null);
  if (pending.length > 0) {
    throw new AppError(
      'not_migrated',
      503,
      `The database has ${pending.length} migration(s) not applied yet (first: ${pending[0]?.name}). Run: tessera db migrate`,
    );
  }
}
