import type { SchemaSource } from '../platform/db/migrate.ts';

export const imagesSchema: SchemaSource = {
  area: 'images',
  migrations: new URL('./db/migrations/', import.meta.url),
  functions: new URL('./db/functions/', import.meta.url),
};
