import { badRequest, ServiceError } from '../../http/service-errors.ts';
import { parseDateParam } from '../../perf/signatures/date-param.ts';

const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/**
 * A push list `startdate`/`enddate` (`YYYY-MM-DD`, one-digit month and day allowed, as Python's
 * `strptime("%Y-%m-%d")` reads them) as the epoch seconds of that day's UTC midnight. Anything else, or an
 * impossible date, is a 400 `{"<name>": ["Enter a valid date (YYYY-MM-DD)."]}` (the reference: 500).
 *
 * @example
 * parsePushDate('startdate', '2025-02-17'); // 1739750400
 */
export function parsePushDate(name: string, raw: string): number {
  const invalid = () => badRequest({ [name]: ['Enter a valid date (YYYY-MM-DD).'] });
  const m = DATE.exec(raw);
  if (!m) throw invalid();
  try {
    // The calendar check (leap years, month lengths) is the one the series endpoints use.
    parseDateParam(name, raw);
  } catch (error) {
    if (error instanceof ServiceError) throw invalid();
    throw error;
  }
  const date = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3])));
  date.setUTCFullYear(Number(m[1]));
  return date.getTime() / 1000;
}
