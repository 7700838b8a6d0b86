import type { SchemaSource } from '../platform/db/migrate.ts';

export const commerceSchema: SchemaSource = {
  area: 'commerce',
  migrations: new URL('./db/migrations/', import.meta.url),
  functions: new URL('./db/functions/', import.meta.url),
};
