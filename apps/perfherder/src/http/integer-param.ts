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
 * A detail route's `{id}` path segment: decimal digits within the `integer` range, else the 404 DRF's
 * `get_object_or_404` gives a lookup value of the wrong type (`No <model> matches the given query.`).
 */
export function pathId(text: string, model: string): number {
  const id = /^\d{1,10}$/.test(text) ? BigInt(text) : undefined;
  if (id === undefined || id > INT4.max) throw notFound(model);
  return Number(id);
}
