const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** The accepted spellings, for error messages and docs. */
export const booleanSpellings = 'true/false, 1/0, yes/no, on/off';

/** Strict boolean: one of the accepted spellings (case-insensitive), else undefined. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}
