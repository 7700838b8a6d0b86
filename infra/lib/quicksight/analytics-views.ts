// The `analytics` schema's views as QuickSight reads them: each column's name and QuickSight type,
// here, and its description, carried from the `comment on column` statements of the migrations
// (src/images/db/migrations), so a comment is written once, in SQL. infra/test/quicksight-views
// checks both against a migrated database.
import { readdirSync, readFileSync } from 'node:fs';

/** QuickSight's input column types; PostgreSQL booleans arrive as BIT (QuickSight has no boolean). */
export type QuickSightType = 'STRING' | 'INTEGER' | 'DECIMAL' | 'DATETIME' | 'BIT';

export type ViewColumn = { name: string; type: QuickSightType };
export type AnalyticsView = { name: string; columns: ViewColumn[] };

const column = (name: string, type: QuickSightType): ViewColumn => ({ name, type });

export const ANALYTICS_VIEWS: AnalyticsView[] = [
  {
    name: 'images',
    columns: [
      column('image_id', 'STRING'),
      column('owner_id', 'STRING'),
      column('source', 'STRING'),
      column('format', 'STRING'),
      column('bytes', 'INTEGER'),
      column('width', 'INTEGER'),
      column('height', 'INTEGER'),
      column('megapixels', 'DECIMAL'),
      column('has_alpha', 'BIT'),
      column('colour_space', 'STRING'),
      column('camera_make', 'STRING'),
      column('camera_model', 'STRING'),
      column('taken_at', 'DATETIME'),
      column('created_at', 'DATETIME'),
      column('expires_at', 'DATETIME'),
      column('expired', 'BIT'),
      column('dominant_colour', 'STRING'),
      column('perceptual_hash', 'STRING'),
    ],
  },
  {
    name: 'daily_uploads',
    columns: [
      column('day', 'DATETIME'),
      column('source', 'STRING'),
      column('format', 'STRING'),
      column('images', 'INTEGER'),
      column('bytes', 'DECIMAL'),
      column('mean_megapixels', 'DECIMAL'),
    ],
  },
  {
    name: 'daily_refusals',
    columns: [
      column('day', 'DATETIME'),
      column('source', 'STRING'),
      column('reason', 'STRING'),
      column('refusals', 'INTEGER'),
    ],
  },
];

const MIGRATIONS = new URL('../../../src/images/db/migrations/', import.meta.url);

/**
 * The comments on the analytics views' columns, by `view.column`, as the migrations leave them
 * (applied in file order, a later comment replaces an earlier one, as in PostgreSQL).
 */
export function analyticsColumnComments(folder: URL = MIGRATIONS): Map<string, string> {
  const comments = new Map<string, string>();
  const statement = /comment on column analytics\.(\w+)\.(\w+) is '((?:[^']|'')*)';/gi;
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const text = readFileSync(new URL(file, folder), 'utf8');
    for (const [, view, name, comment] of text.matchAll(statement)) {
      comments.set(`${view}.${name}`, (comment ?? '').replaceAll("''", "'"));
    }
  }
  return comments;
}

/** The views the migrations create in schema analytics, in the order they appear. */
export function analyticsViewNames(folder: URL = MIGRATIONS): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const text = readFileSync(new URL(file, folder), 'utf8');
    for (const [, name] of text.matchAll(/create (?:or replace )?view analytics\.(\w+)/gi)) {
      if (name) names.add(name);
    }
  }
  return [...names];
}
