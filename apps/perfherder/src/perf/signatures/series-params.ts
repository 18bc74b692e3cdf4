import type { Queryable } from '../../db/queryable.ts';
import {
  intervalCutoff,
  leftSinceInRepositorySql,
  type SinceWindow,
  sinceSql,
} from '../../db/since-window.ts';
import { type MemoWindow, statementKey } from '../../http/answer-memo.ts';
import { checkIntegerRange, INT4, type IntegerRange, pyInt } from '../../http/integer-param.ts';
import { last } from '../../http/query-params.ts';
import { badRequest, notFound, ServiceError } from '../../http/service-errors.ts';
import { parseDateParam } from './date-param.ts';

/**
 * Query-parameter parsing shared by the series endpoints (signatures, platforms, data, job-data), written
 * to match what the reference's Django views accept, and to answer 400 where the reference answers 500.
 */

/** `{"<name>": ["A valid integer is required."]}`, the project's 400 for a non-integer id list. */
export function invalidInteger(name: string): ServiceError {
  return badRequest({ [name]: ['A valid integer is required.'] });
}

/**
 * Every value of a repeated parameter `name` as an integer for a column of type `range` (Python's `int()`
 * reading). A non-integer throws `onInvalid`; a value outside the column's range is a 400 (see
 * `checkIntegerRange`).
 */
export function intColumnList(
  name: string,
  values: readonly string[],
  onInvalid: () => ServiceError,
  range: IntegerRange = INT4,
): string[] {
  return values.map((v) => {
    const n = pyInt(v);
    if (n === undefined) throw onInvalid();
    return checkIntegerRange(name, n, range).toString();
  });
}

/**
 * The largest `interval` accepted, in seconds (about 3,170 years). Beyond it the reference fails in
 * `datetime.utcfromtimestamp` (500); here it is a 400.
 */
export const MAX_INTERVAL_SECONDS = 100_000_000_000;

/** The bounds of any seconds-back-from-now parameter (`interval`, `timerange`): ±{@link MAX_INTERVAL_SECONDS}. */
export const INTERVAL_RANGE: IntegerRange = {
  min: -BigInt(MAX_INTERVAL_SECONDS),
  max: BigInt(MAX_INTERVAL_SECONDS),
};

/**
 * `interval` (seconds, the last value): undefined when absent or empty (the reference's truthiness
 * check). A non-integer or out-of-range value is a 400 `{"interval": [...]}` (the reference: 500).
 */
export function parseInterval(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = pyInt(raw);
  if (n === undefined) throw invalidInteger('interval');
  return Number(checkIntegerRange('interval', n, INTERVAL_RANGE));
}

/**
 * SQL for the reference's interval cut-off, `utcfromtimestamp(int(time.time() - interval))`: now in UTC
 * minus the interval, truncated to whole seconds. `param` is the placeholder of the interval in seconds.
 */
export function intervalCutoffSql(param: string): string {
  return `to_timestamp(trunc(extract(epoch FROM now()) - ${param}::float8))`;
}

/**
 * The reference's guard: `interval` together with `start_date` or `end_date` (non-empty, last values) is a
 * 400 `{"message": "Provide either interval only -or- start (and end) date"}`.
 */
export function rejectIntervalWithDates(
  interval: string | undefined,
  startDate: string | undefined,
  endDate: string | undefined,
): void {
  if (interval && (startDate || endDate)) {
    throw badRequest({ message: 'Provide either interval only -or- start (and end) date' });
  }
}

/** `last_updated` since a cutoff: the signatures' window of `interval` (`s.last_updated >= cutoff`). */
export const SIGNATURE_UPDATED_SINCE: SinceWindow = {
  table: 'performance_signature',
  column: 's.last_updated',
  inclusive: true,
};

/** Push time after a cutoff: the datums' window of `interval` (`d.push_timestamp > cutoff`). */
export const DATUM_PUSHED_SINCE: SinceWindow = {
  table: 'performance_datum',
  column: 'd.push_timestamp',
  inclusive: false,
};

/** The now-relative cutoff a statement compares with: its timestamptz text and its placeholder (`$n`). */
export interface StatementCutoff {
  readonly value: string;
  readonly placeholder: string;
}

/**
 * The reference's time window on `since.column` as SQL conditions: `interval` (seconds back from `nowMs`, the
 * cutoff computed here once, see {@link intervalCutoff}) or `start_date` and/or `end_date` (last values;
 * `interval` together with a date is a 400). An inclusive window's bounds are `>=`/`<=`, an exclusive one's
 * `>`/`<`. `param` appends a statement parameter and answers its placeholder. Returns the interval's cutoff
 * too (null without `interval`), for the answer memo's window.
 */
export function timeWindowConditions(
  q: Readonly<Record<string, unknown>>,
  since: SinceWindow,
  param: (value: unknown) => string,
  nowMs: number = Date.now(),
): { where: string[]; cutoff: StatementCutoff | null } {
  const intervalRaw = last(q.interval);
  const startRaw = last(q.start_date);
  const endRaw = last(q.end_date);
  rejectIntervalWithDates(intervalRaw, startRaw, endRaw);
  const [from, to] = since.inclusive ? ['>=', '<='] : ['>', '<'];
  const where: string[] = [];
  let cutoff: StatementCutoff | null = null;
  const interval = parseInterval(intervalRaw);
  if (interval !== undefined) {
    const value = intervalCutoff(interval, nowMs);
    cutoff = { value, placeholder: param(value) };
    where.push(sinceSql(since, cutoff.placeholder));
  }
  const start = parseDateParam('start_date', startRaw);
  if (start !== undefined) where.push(`${since.column} ${from} ${param(start)}::timestamptz`);
  const end = parseDateParam('end_date', endRaw);
  if (end !== undefined) where.push(`${since.column} ${to} ${param(end)}::timestamptz`);
  return { where, cutoff };
}

/**
 * The answer memo's key for a statement with an optional now-relative cutoff: {@link statementKey} of its text
 * and values, the cutoff's value left out (the memo's window checks it).
 */
export function windowedStatementKey(
  endpoint: string,
  text: string,
  values: readonly unknown[],
  cutoff: StatementCutoff | null,
): string {
  const kept =
    cutoff === null ? values : values.map((v, i) => (`$${i + 1}` === cutoff.placeholder ? null : v));
  return statementKey(endpoint, text, kept);
}

/**
 * The answer memo's window of a repository's statement whose interval cutoff is `cutoff` (null: none): rows of
 * `since`'s table in that repository crossing the edge between two cutoffs make it recompute.
 */
export function repositoryMemoWindow(
  since: SinceWindow,
  repository: string,
  cutoff: StatementCutoff | null,
): MemoWindow | null {
  if (cutoff === null) return null;
  return {
    cutoff: cutoff.value,
    crossed: (arg, older, newer) => leftSinceInRepositorySql(since, arg(repository), older, newer),
  };
}

/** 404 for an unknown `project` (the reference: 500 from an uncaught `Repository.DoesNotExist`). */
export function unknownProject(): ServiceError {
  return notFound('Repository');
}

/**
 * Runs the parameter parsing of a view that, in the reference, looks the repository up first: when
 * parsing fails, an unknown project still wins (404), as its 500 did in the reference. A valid request
 * costs nothing extra; the repository is checked only on the error path.
 */
export async function parseAfterRepository<T>(db: Queryable, project: string, parse: () => T): Promise<T> {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ServiceError) {
      const { rows } = await db.query('SELECT 1 FROM repository WHERE name = $1', [project]);
      if (rows.length === 0) throw unknownProject();
    }
    throw error;
  }
}

/**
 * The project path parameter (a repository name). Not pattern-checked: a name that cannot exist is simply
 * an unknown project.
 */
export const projectParamsSchema = {
  type: 'object',
  properties: { project: { type: 'string', description: 'Repository name, e.g. `mozilla-central`' } },
  required: ['project'],
} as const;

/**
 * The members every serialized signature starts with (`/signatures/` and `/job-data/`), in the reference's
 * order, for the response schemas.
 */
export const signatureCoreSchema = {
  properties: {
    id: { type: 'integer' },
    signature_hash: { type: 'string' },
    framework_id: { type: 'integer' },
    option_collection_hash: { type: 'string' },
    machine_platform: { type: 'string' },
    suite: { type: 'string' },
    should_alert: { type: ['boolean', 'null'] },
  },
  required: [
    'id',
    'signature_hash',
    'framework_id',
    'option_collection_hash',
    'machine_platform',
    'suite',
    'should_alert',
  ],
} as const;

/**
 * A query parameter in the OpenAPI schema. Every one is a list (a single value is coerced to a list) so
 * that a repeated key never fails validation; handlers take all values or, like Django's
 * `QueryDict.get`, the last one.
 */
export const repeatedParam = (description: string) =>
  ({ type: 'array', items: { type: 'string' }, description }) as const;
