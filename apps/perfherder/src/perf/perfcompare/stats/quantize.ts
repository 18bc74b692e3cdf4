import { jsonNumberSql } from '../../../db/json-text-sql.ts';

/**
 * How a tie (a value exactly half-way between two 2-dp numbers) is broken.
 *
 * - `half-even`: Python's `ROUND_HALF_EVEN`, the default rounding of the `decimal` context.
 * - `half-up`: Python's `ROUND_HALF_UP`, which breaks ties away from zero (so −0.125 → −0.13).
 */
export type QuantizeMode = 'half-even' | 'half-up';

/**
 * Rounds `x` to 2 decimal places the way the reference serializer does:
 * `Decimal(str(x)).quantize(Decimal('0.01'), rounding=…)`.
 *
 * Which mode the reference uses: DRF's `DecimalField(decimal_places=2, coerce_to_string=False)`
 * converts a float with `Decimal(str(value))` and then calls `quantize(…, rounding=self.rounding)`.
 * `rounding` defaults to `None`, and `Decimal.quantize(rounding=None)` falls back on the current
 * context, whose default rounding is `ROUND_HALF_EVEN`. The summary endpoint's `values` say
 * HALF_EVEN explicitly too (spec §7.4). So every 2-dp field of the reference is `half-even`;
 * `half-up` exists only for callers that document a different rule.
 *
 * Why it goes through the shortest decimal string and not through `x * 100`: `str(2.675)` is
 * `"2.675"`, so the reference sees a tie and rounds it to 2.68, although the binary double is
 * 2.67499999… (Python's own `round(2.675, 2)` gives 2.67). JavaScript's `String(x)` prints the same
 * shortest round-trip digits as Python's `repr`, only the exponent spelling differs.
 *
 * @example
 * quantize2(0.125, 'half-even'); // 0.12
 * quantize2(0.125, 'half-up');   // 0.13
 * quantize2(2.675, 'half-even'); // 2.68
 */
export function quantize2(x: number, mode: QuantizeMode): number {
  if (!Number.isFinite(x)) {
    // Decimal('NaN').quantize raises in the reference; NaN has no 2-dp form, so it passes through.
    return x;
  }
  const negative = x < 0 || Object.is(x, -0);
  const { digits, pointAt } = decimalDigits(Math.abs(x));
  // Integer part = digits[0, pointAt); 2-dp value = first pointAt+2 digits, padded with zeros.
  const keep = pointAt + 2;
  const padded = keep > digits.length ? digits.padEnd(keep, '0') : digits;
  const kept = keep <= 0 ? '0' : padded.slice(0, keep);
  const rest = keep <= 0 ? '0'.repeat(-keep) + digits : padded.slice(keep);
  let scaled = BigInt(kept);
  const first = rest.charCodeAt(0) - 48;
  if (rest.length > 0 && first >= 5) {
    const exactHalf = first === 5 && /^0*$/.test(rest.slice(1));
    if (!exactHalf || mode === 'half-up' || scaled % 2n === 1n) {
      scaled += 1n;
    }
  }
  // Parsing the decimal text rounds once; Number(bigint) / 100 would round twice.
  const magnitude = Number(`${scaled}e-2`);
  return negative ? -magnitude : magnitude;
}

/** Shortest round-trip digits of a non-negative finite number, without a decimal point. */
function decimalDigits(x: number): { digits: string; pointAt: number } {
  const text = String(x);
  const [mantissa = '0', exponentText] = text.split('e');
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const stripped = (whole + fraction).replace(/^0+/, '');
  const leadingZeros = (whole + fraction).length - stripped.length;
  return { digits: stripped === '' ? '0' : stripped, pointAt: whole.length + exponent - leadingZeros };
}

/**
 * {@link quantize2} with `half-even` as a PostgreSQL expression, for statements that round many values
 * where they are read. `text` is a `text` expression holding the double's shortest decimal text
 * (`value::text`: PostgreSQL prints a double with the same shortest round-trip digits as JavaScript's
 * `String(x)`); the expression is a `double precision`. `round()` on numeric breaks ties away from zero, so
 * an exact tie (exactly three decimals, the last a 5: the text ends in `.dd5`) that rounded to an odd last
 * digit steps back to the even one. Reference it on a column computed once per row (a LATERAL), as it names
 * `text` several times.
 */
export function quantize2HalfEvenSql(text: string): string {
  return `(${quantize2HalfEvenNumericSql(text)})::double precision`;
}

/** {@link quantize2HalfEvenSql} as a `numeric` (2 decimal places, before the conversion to a double). */
function quantize2HalfEvenNumericSql(text: string): string {
  return `(CASE WHEN ${text} LIKE '%.__5' AND mod(round(abs(${text}::numeric), 2) * 100, 2) = 1
           THEN round(${text}::numeric, 2) - sign(${text}::numeric) * 0.01
           ELSE round(${text}::numeric, 2) END)`;
}

/**
 * {@link quantize2} half-even as the JSON text JavaScript writes for the rounded number (`String(x)`), for
 * answers built whole in PostgreSQL. `text` as for {@link quantize2HalfEvenSql}. A value of at most two
 * decimals printed without an exponent is its own text (the common case, no numeric arithmetic). Otherwise
 * the rounded decimal, trailing zeros trimmed: below 1e13 it has at most 15 significant digits, so it is the
 * shortest text of the double it converts to, which is what `String(x)` prints; beyond, through the double
 * ({@link jsonNumberSql}).
 */
export function quantize2HalfEvenJsonSql(text: string): string {
  const rounded = quantize2HalfEvenNumericSql(text);
  return `(CASE WHEN ${text} NOT LIKE '%.___%' AND ${text} NOT LIKE '%e%' AND ${text} NOT IN ('-0', 'NaN', 'Infinity', '-Infinity')
      THEN ${text}
    WHEN ${text} IN ('NaN', 'Infinity', '-Infinity') THEN 'null'
    WHEN abs(${text}::numeric) < 1e13 THEN trim_scale(${rounded})::text
    ELSE ${jsonNumberSql(`(${rounded})::double precision`)} END)`;
}
