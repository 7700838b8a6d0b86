import { commerceSchema } from './commerce/schema.ts';
import { imagesSchema } from './images/schema.ts';
import type { SchemaSource } from './platform/db/migrate.ts';

/** Every area's schema, in the order they are migrated. */
export const schemas: SchemaSource[] = [commerceSchema, imagesSchema];
