import { badRequest, notFound } from './service-errors.ts';

/**
 * Integer request parameters: the parsers that mirror how the reference reads them (Python's `int()`, DRF's
 * IntegerField, django-filter's NumberFilter), and the one range check every endpoint applies before a value
 * reaches SQL. PostgreSQL rejects a parameter outside its column's type (SQLSTATE 22003), which would be a
 * 500; here it is a 400 naming the parameter, in DRF's IntegerField wording:
 * `{"id": ["Ensure this value is less than or equal to 2147483647."]}`.
 */

/** The bounds an integer parameter must lie within (those of the column it is compared with or stored in). */
export interface IntegerRange {
  readonly min: bigint;
  readonly max: bigint;
}

/** PostgreSQL `integer` (every id column but the datum, job and replicate ids). */
export const INT4: IntegerRange = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
/** PostgreSQL `bigint` (`performance_datum.id`, `job.id`, `job_id` columns). */
export const INT8: IntegerRange = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

// Python's int(str): surrounding whitespace, a sign, and underscores between digits.
const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
// DRF IntegerField on text: blanks around, a sign, digits and an optional `.0…` tail.
const DRF_INT = /^\s*([+-]?\d+)(?:\.0*)?\s*$/;
// django-filter NumberFilter (forms.DecimalField): a plain decimal, no exponent.
const DECIMAL = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/;
// Longer texts are not numbers any client means; bounds BigInt's work.
const MAX_DIGITS = 1000;

/** Python's `int(text)`, as a bigint; undefined when Python would raise ValueError. */
export function pyInt(text: string): bigint | undefined {
  if (text.length > MAX_DIGITS || !PY_INT.test(text)) return undefined;
  return BigInt(text.trim().replace(/_/g, ''));
}

/** DRF IntegerField's reading of `text` (`" 7 "`, `"+7"`, `"7.0"`); undefined for anything else. */
export function drfInt(text: string): bigint | undefined {
  const m = text.length > MAX_DIGITS ? null : DRF_INT.exec(text);
  return m?.[1] === undefined ? undefined : BigInt(m[1]);
}

/**
 * django-filter NumberFilter's reading of `text` (a decimal, no exponent): its integer part (truncated toward
 * zero) and whether a non-zero fraction follows (`"1.5"` cannot equal an integer column); undefined for text
 * that is no decimal (the reference's "Enter a number.").
 */
export function filterNumber(
  text: string,
): { readonly integer: bigint; readonly fractional: boolean } | undefined {
  if (text.length > MAX_DIGITS || !DECIMAL.test(text)) return undefined;
  const [whole = '', fraction = ''] = text.trim().split('.');
  const digits = whole.replace(/^[-+]/, '') || '0';
  return {
    integer: BigInt(whole.startsWith('-') ? `-${digits}` : digits),
    fractional: /[1-9]/.test(fraction),
  };
}

/** The DRF message for `value` outside `range`, or undefined when it lies within. */
export function integerRangeMessage(value: bigint, range: IntegerRange = INT4): string | undefined {
  if (value > range.max) return `Ensure this value is less than or equal to ${range.max}.`;
  if (value < range.min) return `Ensure this value is greater than or equal to ${range.min}.`;
  return undefined;
}

/** `value` when it lies within `range`, else a 400 `{"<name>": ["Ensure this value is …"]}`. */
export function checkIntegerRange(name: string, value: bigint, range: IntegerRange = INT4): bigint {
  const message = integerRangeMessage(value, range);
  if (message !== undefined) throw badRequest({ [name]: [message] });
  return value;
}

/**
 * A detail route's `{id}` path segment as DRF's lookup reads it: Python's `int()` of the text. Undefined
 * when it is not an integer (DRF: 404 "Not found."); an integer outside the `integer` id range (negative,
 * or past it) is -1, which matches no row (404 "No <Model> matches the given query.").
 *
 * @example
 * intIdParam('12'); // 12
 * intIdParam('abc'); // undefined
 * intIdParam('99999999999'); // -1
 */
export function intIdParam(text: string): number | undefined {
  const n = pyInt(text);
  if (n === undefined) return undefined;
  return n < 0n || n > INT4.max ? -1 : Number(n);
}

/**
 * {@link intIdParam} for a route whose every miss is the 404 `No <model> matches the given query.`: the
 * id, or that 404 for text that is no id of the `integer` range.
 */
export function pathId(text: string, model: string): number {
  const id = intIdParam(text);
  if (id === undefined || id < 0) throw notFound(model);
  return id;
}

/** The path parameters of a detail route: the id as text, read with {@link intIdParam} or {@link pathId}. */
export const idParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string' } },
  required: ['id'],
} as const;
