import { badRequest } from '../../http/service-errors.ts';

// Python's `datetime.fromisoformat` (3.11+), which Django's parse_datetime tries first: an extended or basic
// date, then any single non-digit separator and a time whose parts use colons throughout or not at all
// (`HH`, `HH:MM`, `HHMM`, `HH:MM:SS`, `HHMMSS`), fraction digits after the seconds (beyond 6 ignored),
// and a zone `Z` or `±HH[[:]MM[[:]SS]]`. ISO week dates (`2024-W01-1`) are not supported.
const ISO =
  /^(\d{4})(?:-(\d{2})-(\d{2})|(\d{2})(\d{2}))(?:[^\d](?:(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?|(\d{2})(?:(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?)\s*(Z|[+-]\d{2}(?::\d{2}(?::\d{2})?|\d{2}(?:\d{2})?)?)?)?$/;

// Django's own fallback patterns (datetime_re, date_re): one- or two-digit parts, `T` or space, optional
// seconds, 1-6 fraction digits (up to 6 more ignored), and a zone `Z` or `±HH[[:]MM]`.
const DJANGO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

interface DateTimeParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  fraction: string;
  zone: string | undefined;
}

function isoParts(raw: string): DateTimeParts | undefined {
  const m = ISO.exec(raw);
  if (!m) return undefined;
  const g = (i: number) => m[i];
  return {
    year: g(1) ?? '',
    month: g(2) ?? g(4) ?? '',
    day: g(3) ?? g(5) ?? '',
    hour: g(6) ?? g(10) ?? '0',
    minute: g(7) ?? g(11) ?? '0',
    second: g(8) ?? g(12) ?? '0',
    fraction: (g(9) ?? g(13) ?? '').slice(0, 6),
    zone: g(14),
  };
}

function djangoParts(raw: string): DateTimeParts | undefined {
  const m = DJANGO.exec(raw);
  if (!m) return undefined;
  const [, year = '', month = '', day = '', hour = '0', minute = '0', second = '0', fraction = '', zone] = m;
  return { year, month, day, hour, minute, second, fraction, zone };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The canonical form of valid parts, or undefined when a part is out of range. */
function canonical(p: DateTimeParts): string | undefined {
  const [year, month, day, hour, minute, second] = [p.year, p.month, p.day, p.hour, p.minute, p.second].map(
    Number,
  ) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(2000, month - 1, day));
  probe.setUTCFullYear(year);
  const validDate =
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day;
  if (!validDate || hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = '+00:00';
  if (p.zone !== undefined && p.zone !== 'Z') {
    const digits = p.zone.slice(1).replace(/:/g, '');
    const [oh, om, os] = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4, 6)].map((x) =>
      Number(x || '0'),
    );
    if (oh === undefined || om === undefined || os === undefined || oh > 23 || om > 59 || os > 59) {
      return undefined;
    }
    offset = `${p.zone[0]}${pad(oh)}:${pad(om)}${os ? `:${pad(os)}` : ''}`;
  }
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${p.fraction.padEnd(6, '0')}${offset}`;
}

/**
 * A `start_date` / `end_date` value as the reference's `DateTimeField` lookup reads it (Python's
 * `fromisoformat`, then Django's patterns). Empty or absent → undefined (the reference ignores it).
 * Otherwise a canonical ISO-8601 string with an explicit offset, for a `::timestamptz` parameter: a value
 * without a zone is UTC (`USE_TZ=False`, `TIME_ZONE="UTC"`). Malformed → 400
 * `{"<name>": ["Enter a valid date/time."]}`, where the reference answers 500.
 *
 * @example
 * parseDateParam('start_date', '2024-02-01 10:00'); // '2024-02-01T10:00:00.000000+00:00'
 * parseDateParam('start_date', '2024-02-01T10:00:00+0530'); // '2024-02-01T10:00:00.000000+05:30'
 */
export function parseDateParam(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  for (const parts of [isoParts(raw), djangoParts(raw)]) {
    const value = parts && canonical(parts);
    if (value !== undefined) return value;
  }
  throw badRequest({ [name]: ['Enter a valid date/time.'] });
}
