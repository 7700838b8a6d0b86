// Each test file gets its own database copied from the migrated template, and people (login
// roles, which belong to the whole cluster) with unique names that are removed afterwards.
import { randomBytes } from 'node:crypto';
import { addPerson, type Team } from '../../src/commerce/people.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import {
  type Connection,
  connect,
  createPool,
  type Pool,
  quoteIdentifier,
  withCredentials,
  withDatabase,
} from '../../src/platform/db/pool.ts';
import { generatePassword } from '../../src/platform/db/scram.ts';
import { schemas } from '../../src/schemas.ts';

export type TestPerson = { login: string; password: string; url: string; team: Team };

export type TestDatabase = {
  name: string;
  /** Superuser URL of this database. */
  url: string;
  /** A pool connected as the superuser (the owner of the schema). */
  admin: Pool;
  addPerson(team: Team, options?: { pii?: boolean }): Promise<TestPerson>;
  /** A connection logged in as the person, with their own password, as psql would. */
  connectAs(person: TestPerson): Promise<Connection>;
  close(): Promise<void>;
};

export function adminUrl(): string {
  const url = process.env.TESSERA_TEST_ADMIN_URL;
  if (!url) throw new Error('Run the tests with npm test: the global setup starts the database.');
  return url;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tessera_test_${randomBytes(5).toString('hex')}`;
  const maintenance = await connect(adminUrl());
  try {
    await maintenance.query(
      `create database ${quoteIdentifier(name)} template ${quoteIdentifier(process.env.TESSERA_TEST_TEMPLATE ?? '')}`,
    );
  } finally {
    await maintenance.end();
  }
  const url = withDatabase(adminUrl(), name);
  // Database-level grants are not copied from a template: re-apply the procedure files, which hold them.
  const setup = await connect(url);
  try {
    await setup.query(`delete from tessera.migrations where name = '(functions)'`);
    await migrate(setup, schemas);
  } finally {
    await setup.end();
  }
  const admin = createPool(url, { max: 4 });
  const people: TestPerson[] = [];
  const connections: Connection[] = [];
  return {
    name,
    url,
    admin,
    async addPerson(team, options = {}) {
      const login = `p_${randomBytes(5).toString('hex')}`;
      const password = generatePassword();
      await addPerson(admin, { login, team, pii: options.pii ?? false, password });
      const person = { login, password, team, url: withCredentials(url, login, password) };
      people.push(person);
      return person;
    },
    async connectAs(person) {
      const connection = await connect(person.url);
      connections.push(connection);
      return connection;
    },
    async close() {
      await Promise.all(connections.map((c) => c.end().catch(() => {})));
      for (const person of people) {
        const role = quoteIdentifier(person.login);
        await admin.query(`drop owned by ${role}`).catch(() => {});
        await admin.query(`drop role if exists ${role}`).catch(() => {});
      }
      await admin.end();
      const cleanup = await connect(adminUrl());
      try {
        await cleanup.query(`drop database if exists ${quoteIdentifier(name)} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** The SQLSTATE a promise rejects with, or 'ok' if it resolves. */
export async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** A database with nothing in it, for tests of the migration runner itself. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tessera_empty_${randomBytes(5).toString('hex')}`;
  const maintenance = await connect(adminUrl());
  try {
    await maintenance.query(`create database ${quoteIdentifier(name)}`);
  } finally {
    await maintenance.end();
  }
  return {
    url: withDatabase(adminUrl(), name),
    async drop() {
      const cleanup = await connect(adminUrl());
      try {
        await cleanup.query(`drop database if exists ${quoteIdentifier(name)} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
