// A second test file on the same cluster: a database of its own, so the same table name holds other rows.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from 'pg-devcluster';

test('each test file gets a database of its own', async () => {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.urls.primary });
  await client.connect();
  try {
    await client.query('CREATE TABLE note (id int)');
    const { rows } = await client.query(
      'SELECT current_database() AS name, count(*)::int AS notes FROM note',
    );
    assert.deepEqual(rows[0], { name: db.name, notes: 0 });
  } finally {
    await client.end();
    await db.drop();
  }
  if (process.env.EVIDENCE_DIR) {
    writeFileSync(join(process.env.EVIDENCE_DIR, 'isolation.json'), JSON.stringify({ name: db.name }));
  }
});
