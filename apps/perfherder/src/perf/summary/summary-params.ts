import { drfInt, integerRangeMessage } from '../../http/integer-param.ts';
import { asList, drfBoolean, last } from '../../http/query-params.ts';
import { DATETIME_FORMAT_ERROR, parseQueryDatetime } from './iso-datetime.ts';

/** The validated query of `/api/performance/summary/` (the reference's PerformanceQueryParamsSerializer). */
export interface SummaryParams {
  readonly repository: string;
  /** timestamptz literals (see parseQueryDatetime), or null. */
  readonly startday: string | null;
  readonly endday: string | null;
  readonly revision: string | null;
  readonly framework: readonly number[];
  readonly interval: number | null;
  readonly parentSignature: number | null;
  /** `{hash}` when 40 characters long, else `{id}`. */
  readonly signature: { readonly hash: string } | { readonly id: number } | null;
  readonly noSubtests: boolean;
  readonly allData: boolean;
  readonly replicates: boolean;
  readonly noRetriggers: boolean;
}

/** Field errors in DRF's shape: `{field: [msg]}`, or `{field: {index: [msg]}}` for a list child. */
export type FieldErrors = Record<string, string[] | Record<string, string[]>>;

const REQUIRED = 'This field is required.';
const INVALID_INT = 'A valid integer is required.';

/**
 * Validates the summary query like the reference serializer (all field errors at once, in field order;
 * an empty value of a nullable field is null; a missing boolean is false) plus the project's deliberate
 * 4xx for what the reference answers with a 500: a `signature` that is neither a 40-character hash nor
 * an integer id, and a non-integer `parent_signature`. The repository's existence and the cross-field
 * rule need the database and are checked by the caller.
 */
export function parseSummaryParams(
  query: Record<string, unknown>,
): { ok: true; params: SummaryParams } | { ok: false; errors: FieldErrors; repository: string | null } {
  const errors: FieldErrors = {};

  const dt = (name: string): string | null => {
    const v = last(query[name]);
    if (v === undefined || v === '') return null;
    const parsed = parseQueryDatetime(v);
    if (parsed === undefined) errors[name] = [DATETIME_FORMAT_ERROR];
    return parsed ?? null;
  };
  const startday = dt('startday');
  const endday = dt('endday');

  const revisionRaw = last(query.revision);
  const revision = revisionRaw === undefined || revisionRaw.trim() === '' ? null : revisionRaw.trim();

  const repositoryRaw = last(query.repository);
  let repository: string | null = null;
  if (repositoryRaw === undefined) errors.repository = [REQUIRED];
  else if (repositoryRaw.trim() === '') errors.repository = ['This field may not be blank.'];
  else repository = repositoryRaw.trim();

  const framework: number[] = [];
  const frameworkErrors: Record<string, string[]> = {};
  asList(query.framework).forEach((v, i) => {
    const n = drfInt(v);
    const error = n === undefined ? INVALID_INT : integerRangeMessage(n);
    if (error !== undefined) frameworkErrors[String(i)] = [error];
    else framework.push(Number(n));
  });
  if (Object.keys(frameworkErrors).length > 0) errors.framework = frameworkErrors;

  const intervalRaw = last(query.interval);
  let interval: number | null = null;
  if (intervalRaw !== undefined && intervalRaw !== '') {
    // Not a column: an interval past the calendar is a cut-off at ±infinity (see summary-query.ts).
    const n = drfInt(intervalRaw);
    if (n === undefined) errors.interval = [INVALID_INT];
    else interval = Number(n);
  }

  // Deviation: the reference filters `parent_signature_id = <text>` and fails with a 500 on a non-integer.
  const parentRaw = last(query.parent_signature);
  let parentSignature: number | null = null;
  if (parentRaw !== undefined && parentRaw.trim() !== '') {
    const n = drfInt(parentRaw);
    const error = n === undefined ? INVALID_INT : integerRangeMessage(n);
    if (error !== undefined) errors.parent_signature = [error];
    else parentSignature = Number(n);
  }

  // Deviation: a non-hash, non-integer signature is a 500 in the reference.
  const signatureRaw = last(query.signature);
  let signature: SummaryParams['signature'] = null;
  if (signatureRaw !== undefined && signatureRaw.trim() !== '') {
    const s = signatureRaw.trim();
    if (s.length === 40) signature = { hash: s };
    else {
      const n = drfInt(s);
      if (n === undefined) {
        errors.signature = ['Enter a 40-character signature hash or an integer signature id.'];
      } else {
        const error = integerRangeMessage(n);
        if (error !== undefined) errors.signature = [error];
        else signature = { id: Number(n) };
      }
    }
  }

  // DRF BooleanField: a missing or blank value is false.
  const bool = (name: string): boolean => {
    try {
      return drfBoolean(name, last(query[name]));
    } catch {
      errors[name] = ['Must be a valid boolean.'];
      return false;
    }
  };
  const noSubtests = bool('no_subtests');
  const allData = bool('all_data');
  const replicates = bool('replicates');
  const noRetriggers = bool('no_retriggers');

  if (Object.keys(errors).length > 0 || repository === null) return { ok: false, errors, repository };
  return {
    ok: true,
    params: {
      repository,
      startday,
      endday,
      revision,
      framework,
      interval,
      parentSignature,
      signature,
      noSubtests,
      allData,
      replicates,
      noRetriggers,
    },
  };
}
