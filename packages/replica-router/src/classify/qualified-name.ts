/**
 * Joins a parser name list (`[{ String: { sval } }, ...]`) with dots. `pg_catalog.count` is `count`: the
 * catalog schema is implicitly first on every search path, so both spellings call the same function.
 */
export function qualifiedName(parts: readonly unknown[]): string {
  const names = parts.map((part) => (part as { String?: { sval?: string } }).String?.sval ?? '');
  if (names.length === 2 && names[0] === 'pg_catalog') return names[1] ?? '';
  return names.join('.');
}
