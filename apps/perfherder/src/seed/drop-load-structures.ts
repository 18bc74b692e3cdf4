import type pg from 'pg';

/**
 * Drops what makes row-by-row loading slow on `tables` — their plain (non-unique, non-primary-key)
 * indexes and their foreign keys — and returns the statements that put them back, read from the server
 * (`pg_get_indexdef`, `pg_get_constraintdef`), so the schema stays the migrations' business.
 *
 * This is how pg_restore loads: building an index once over loaded rows is far cheaper than updating it
 * per row, and re-adding a foreign key checks every row with one join instead of one lookup per row.
 * Unique and primary-key indexes stay: they guard the load itself. Call it inside the loading
 * transaction: if the load fails, the rollback brings everything back; if a row breaks a foreign key,
 * re-adding it fails and the load rolls back.
 */
export async function dropLoadStructures(
  client: pg.ClientBase,
  tables: readonly string[],
): Promise<string[]> {
  const relations = tables.map((t) => `public."${t}"`);
  const indexes = await client.query<{ name: string; def: string }>(
    `SELECT quote_ident(c.relname) AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
     ORDER BY c.relname`,
    [relations],
  );
  const foreignKeys = await client.query<{ table: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS table, quote_ident(conname) AS name, pg_get_constraintdef(oid) AS def
     FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY ($1::regclass[])
     ORDER BY conrelid::regclass::text, conname`,
    [relations],
  );
  for (const fk of foreignKeys.rows) await client.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);
  for (const index of indexes.rows) await client.query(`DROP INDEX ${index.name}`);
  return [
    ...indexes.rows.map((i) => i.def),
    ...foreignKeys.rows.map((fk) => `ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} ${fk.def}`),
  ];
}
