/** DRF DateTimeField's "invalid" message for its ISO-8601 input format. */
export const DATETIME_FORMAT_ERROR =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';

const ISO =
  /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a query datetime the way the reference's DRF DateTimeField does (with `USE_TZ=False`): ISO 8601,
 * date-only allowed, a naive value is UTC and an offset is kept for the server to convert. Returns a
 * timestamptz literal with microsecond precision (a JavaScript Date would keep only milliseconds), or
 * undefined when the text is not such a datetime (the caller answers {@link DATETIME_FORMAT_ERROR}).
 *
 * @example
 * parseQueryDatetime('2013-11-01T23:28:29'); // '2013-11-01 23:28:29.000000+00:00'
 * parseQueryDatetime('2013-11-01T23:28:29.5+01:00'); // '2013-11-01 23:28:29.500000+01:00'
 * parseQueryDatetime('2013-13-01'); // undefined
 */
export function parseQueryDatetime(raw: string): string | undefined {
  const m = ISO.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offset = '+00:00';
  if (zone && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return undefined;
    offset = `${zone[0]}${digits.slice(0, 2)}:${(digits.slice(2) || '00').padEnd(2, '0')}`;
  }
  const micro = frac.padEnd(6, '0').slice(0, 6);
  return `${y}-${mo}-${d} ${h}:${mi}:${s}.${micro}${offset}`;
}

/**
 * SQL rendering a timestamptz the way DRF renders a naive datetime: ISO 8601 in UTC without a zone,
 * microseconds only when non-zero (`2013-11-01T23:28:29`, `2013-11-01T23:28:29.120000`). NULL stays NULL.
 */
export function isoSql(column: string): string {
  return `(to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN date_trunc('second', ${column}) = ${column} THEN '' ELSE to_char(${column} AT TIME ZONE 'UTC', '.US') END)`;
}
