// The QuickSight datasets against what they read: a database migrated by the release's own
// migrations (npm test's global setup). "The analysts will access to AWS QuickSight BI tools to
// perform analysis on the images and its metadata": every view of schema analytics has a dataset,
// with the columns and types PostgreSQL gives, each field described by the column's comment.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { tessera } from './fixture.ts';

type ViewColumn = { view: string; name: string; type: string; comment: string | null };

/** How QuickSight takes each PostgreSQL type (booleans as BIT: it promotes them to integers). */
const QUICKSIGHT_TYPE: Record<string, string> = {
  uuid: 'STRING',
  text: 'STRING',
  smallint: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  numeric: 'DECIMAL',
  'double precision': 'DECIMAL',
  boolean: 'BIT',
  date: 'DATETIME',
  'timestamp with time zone': 'DATETIME',
};

const template = tessera().templates.analytics.toJSON();
type Json = typeof template;
const datasets: Json[] = Object.values(template.Resources as Record<string, Json>)
  .filter((r) => r.Type === 'AWS::QuickSight::DataSet')
  .map((r) => r.Properties);

function datasetOver(view: string): { table: Json; logical: Json } {
  const found = datasets.find(
    (d) => (Object.values(d.PhysicalTableMap)[0] as Json).RelationalTable.Name === view,
  );
  assert.ok(found, `analytics.${view} has no QuickSight dataset`);
  return {
    table: (Object.values(found.PhysicalTableMap)[0] as Json).RelationalTable,
    logical: Object.values(found.LogicalTableMap)[0] as Json,
  };
}

describe('the QuickSight datasets match the analytics views of a migrated database', () => {
  let db: TestDatabase;
  let columns: ViewColumn[];
  before(async () => {
    db = await createTestDatabase();
    const result = await db.admin.query<ViewColumn>(
      `select c.table_name as view, c.column_name as name, c.data_type as type,
              col_description(format('analytics.%I', c.table_name)::regclass, c.ordinal_position) as comment
       from information_schema.columns c
       join information_schema.views v using (table_schema, table_name)
       where c.table_schema = 'analytics'
       order by c.table_name, c.ordinal_position`,
    );
    columns = result.rows;
  });
  after(() => db?.close());

  test('every view of schema analytics has a dataset, and no dataset reads anything else', async () => {
    const views = [...new Set(columns.map((c) => c.view))].sort();
    assert.ok(views.includes('images') && views.includes('daily_uploads'), views.join(', '));
    for (const view of views) datasetOver(view);
    assert.deepEqual(
      datasets
        .map((d) => (Object.values(d.PhysicalTableMap)[0] as Json).RelationalTable.Name)
        .sort(),
      views,
    );
  });

  test('each dataset has the view’s columns, in order, with the types QuickSight takes for PostgreSQL’s', () => {
    for (const view of new Set(columns.map((c) => c.view))) {
      const expected = columns
        .filter((c) => c.view === view)
        .map((c) => ({ Name: c.name, Type: QUICKSIGHT_TYPE[c.type] ?? `unmapped ${c.type}` }));
      assert.deepEqual(datasetOver(view).table.InputColumns, expected, view);
    }
  });

  test('each field is described by its column comment, word for word', () => {
    for (const column of columns) {
      assert.ok(column.comment, `analytics.${column.view}.${column.name} has no comment`);
      const tags = (datasetOver(column.view).logical.DataTransforms as Json[])
        .filter((t) => t.TagColumnOperation?.ColumnName === column.name)
        .flatMap((t) => t.TagColumnOperation.Tags);
      assert.deepEqual(
        tags,
        [{ ColumnDescription: { Text: column.comment } }],
        `${column.view}.${column.name}`,
      );
    }
  });

  test('the images dataset’s size buckets are the web dashboard’s (images.histogram_buckets, images.size_bucket)', async () => {
    const expression: string = (datasetOver('images').logical.DataTransforms as Json[])
      .flatMap((t) => t.CreateColumnsOperation?.Columns ?? [])
      .find((c: Json) => c.ColumnName === 'size_bucket').Expression;
    const bounds = [...expression.matchAll(/\{bytes\} < (\d+), '([^']+)'/g)].map(
      ([, bytes, label]) => ({ bytes: Number(bytes), label }),
    );
    const otherwise = /, '([^']+)'\)$/.exec(expression)?.[1];
    const { rows } = await db.admin.query<{ label: string }>(
      `select label from images.histogram_buckets where dimension = 'size' order by position`,
    );
    assert.deepEqual(
      [...bounds.map((b) => b.label), otherwise],
      rows.map((r) => r.label),
    );
    const bucketOf = async (bytes: number) =>
      (
        await db.admin.query<{ label: string }>(
          `select label from images.histogram_buckets
           where dimension = 'size' and position = images.size_bucket($1::bigint)`,
          [bytes],
        )
      ).rows[0]?.label;
    for (const [i, { bytes, label }] of bounds.entries()) {
      assert.equal(await bucketOf(bytes - 1), label, `${bytes - 1} bytes`);
      assert.equal(await bucketOf(bytes), bounds[i + 1]?.label ?? otherwise, `${bytes} bytes`);
    }
  });
});
