// The migrated schema and its grants, compared with the checked-in snapshot beside this file, so
// any change to structure or privileges shows up in review. After an intended change:
// npm run test:update-snapshots
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.ts';
import { sql } from '../../platform/db/sql.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.close());

const schemas = ['commerce', 'tessera'];

test('the schema outline matches the snapshot', async (t) => {
  const outline = await db.admin.query<{ line: string }>(
    sql(import.meta.url, 'queries/schema-outline.sql'),
    [schemas],
  );
  t.assert.snapshot(outline.rows.map((r) => r.line));
});

test('the grants match the snapshot', async (t) => {
  const grants = await db.admin.query<Record<string, string | null>>(
    sql(import.meta.url, 'queries/live-grants.sql'),
    [schemas],
  );
  t.assert.snapshot(
    grants.rows.map(
      (g) =>
        `${g.privilege} on ${g.kind} ${g.object}${g.column ? ` (${g.column})` : ''} to ${g.grantee}`,
    ),
  );
});
