import { checkIntegerRange, INT4, type IntegerRange } from './integer-param.ts';
import { badRequest } from './service-errors.ts';

const DRF_TRUE = new Set([
  'true',
  'True',
  'TRUE',
  't',
  'T',
  'yes',
  'Yes',
  'YES',
  'y',
  'Y',
  'on',
  'On',
  'ON',
  '1',
]);
const DRF_FALSE = new Set([
  'false',
  'False',
  'FALSE',
  'f',
  'F',
  'no',
  'No',
  'NO',
  'n',
  'N',
  'off',
  'Off',
  'OFF',
  '0',
]);

/** A query value that may be repeated (`a=1&a=2`) as a list. */
export function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** The first value of a possibly repeated query parameter. */
export function first(value: unknown): string | undefined {
  return asList(value)[0];
}

/** The last value of a possibly repeated query parameter, like Django's `QueryDict.get`. */
export function last(value: unknown): string | undefined {
  const list = asList(value);
  return list[list.length - 1];
}

/** One value as DRF's BooleanField reads it: true, false, or undefined for any other spelling. */
export function drfBooleanValue(value: string): boolean | undefined {
  if (DRF_TRUE.has(value)) return true;
  if (DRF_FALSE.has(value)) return false;
  return undefined;
}

/**
 * DRF serializer BooleanField on query input: missing = false (HTML-form semantics); an unknown
 * spelling is a 400 `{"<name>": ["Must be a valid boolean."]}`.
 */
export function drfBoolean(name: string, value: unknown): boolean {
  const v = first(value);
  if (v === undefined || v === '') return false;
  const b = drfBooleanValue(v);
  if (b === undefined) throw badRequest({ [name]: ['Must be a valid boolean.'] });
  return b;
}

/**
 * An optional integer parameter for an `integer` column (or `range`); a non-integer is a 400
 * `{"<name>": ["A valid integer is required."]}`, one outside the range a 400 from `checkIntegerRange`.
 */
export function optionalInt(name: string, value: unknown, range: IntegerRange = INT4): number | undefined {
  const v = first(value);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw badRequest({ [name]: ['A valid integer is required.'] });
  return Number(checkIntegerRange(name, BigInt(v.trim()), range));
}

/**
 * DRF's OrderingFilter: `?ordering=a,-b` (the last `ordering` given) over the allowed fields, mapped to
 * their SQL columns; unknown terms are dropped, as DRF does. Returns the ORDER BY terms (possibly none);
 * callers append their tie-breaker or default. Only mapped column names ever reach the SQL.
 */
export function orderingTerms(value: unknown, columns: Readonly<Record<string, string>>): string[] {
  const terms: string[] = [];
  for (const term of (last(value) ?? '').split(',')) {
    const t = term.trim();
    const desc = t.startsWith('-');
    const column = Object.hasOwn(columns, desc ? t.slice(1) : t) ? columns[desc ? t.slice(1) : t] : undefined;
    if (column) terms.push(desc ? `${column} DESC` : column);
  }
  return terms;
}
