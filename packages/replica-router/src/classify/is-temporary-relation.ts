/**
 * True for a RangeVar naming a relation that lives only as long as the session: declared `TEMP`/`TEMPORARY`,
 * or placed in the session's temporary schema (`pg_temp`, `pg_temp_N`) by name.
 */
export function isTemporaryRelation(rangeVar: Readonly<Record<string, unknown>>): boolean {
  if (rangeVar.relpersistence === 't') return true;
  const schema = rangeVar.schemaname;
  return typeof schema === 'string' && (schema === 'pg_temp' || schema.startsWith('pg_temp_'));
}
