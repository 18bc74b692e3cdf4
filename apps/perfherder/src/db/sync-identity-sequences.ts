import type { Queryable } from './queryable.ts';

/**
 * Moves every identity sequence of the public schema just past its table's largest id.
 *
 * Rows inserted with explicit ids (the seed, test fixtures such as repository id 4) do not advance the
 * sequence, so without this the next default id would collide with them.
 *
 * @example
 * await db.query("INSERT INTO repository (id, …) VALUES (4, …)");
 * await syncIdentitySequences(db);
 */
export async function syncIdentitySequences(db: Queryable): Promise<void> {
  const { rows } = await db.query(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND is_identity = 'YES' ORDER BY table_name`,
  );
  if (rows.length === 0) return;
  // One statement for all tables: fixtures call this often, and each round trip counts in tests.
  const parts = rows.map(
    (r: { table_name: string; column_name: string }) =>
      `(SELECT setval(pg_get_serial_sequence('public."${r.table_name}"', '${r.column_name}'),
         coalesce(max("${r.column_name}"), 0) + 1, false) FROM "${r.table_name}")`,
  );
  await db.query(`SELECT ${parts.join(', ')}`);
}
