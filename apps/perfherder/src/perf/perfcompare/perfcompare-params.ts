import { drfInt, INT4, type IntegerRange, integerRangeMessage } from '../../http/integer-param.ts';
import { drfBooleanValue, last } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';
import { INTERVAL_RANGE } from '../signatures/series-params.ts';

/** The validated query of `GET /api/perfcompare/results/` (spec §3.12). */
export interface PerfCompareParams {
  readonly baseRevision: string | null;
  readonly newRevision: string;
  readonly baseRepository: string;
  readonly newRepository: string;
  readonly framework: number | null;
  readonly interval: number | null;
  readonly noSubtests: boolean;
  /** Raw parameter (the literal `"null"` already mapped to null), as the MWU cache key uses it. */
  readonly baseParentSignature: string | null;
  readonly newParentSignature: string | null;
  readonly replicates: boolean;
  /** `mann-whitney-u` selects V2; anything else is Student-t. */
  readonly testVersion: string;
  readonly enableSilvermanKde: boolean;
}

type Query = Readonly<Record<string, unknown>>;

/**
 * Parses the query like the reference's `PerfCompareResultsQueryParamsSerializer`: every field error
 * at once (`{"field": ["msg"]}`, in field order), then `{"non_field_errors": ["Field required: interval."]}`.
 * Form semantics: a missing boolean is false; an empty optional value is null.
 * Deviation: a non-integer parent signature is a 400 field error instead of the reference's 500.
 */
export function parsePerfCompareParams(query: Query): PerfCompareParams {
  const errors: Record<string, string[]> = {};
  const fail = (name: string, message: string) => {
    errors[name] = [message];
  };

  const optionalChar = (name: string): string | null => {
    const v = last(query[name]);
    if (v === undefined || v.trim() === '') return null;
    return v.trim();
  };
  const requiredChar = (name: string): string => {
    const v = last(query[name]);
    if (v === undefined) {
      fail(name, 'This field is required.');
      return '';
    }
    if (v.trim() === '') {
      fail(name, 'This field may not be blank.');
      return '';
    }
    return v.trim();
  };
  const optionalInt = (name: string, range: IntegerRange = INT4): number | null => {
    const v = last(query[name]);
    if (v === undefined || v === '') return null;
    const n = drfInt(v);
    const error = n === undefined ? 'A valid integer is required.' : integerRangeMessage(n, range);
    if (error !== undefined) {
      fail(name, error);
      return null;
    }
    return Number(n);
  };
  const bool = (name: string): boolean => {
    const v = last(query[name]);
    if (v === undefined) return false;
    const b = drfBooleanValue(v);
    if (b !== undefined) return b;
    fail(name, 'Must be a valid boolean.');
    return false;
  };
  const parentSignature = (name: string): string | null => {
    const v = optionalChar(name);
    if (v === null || v === 'null') return null;
    const n = /^-?\d+$/.test(v) ? BigInt(v) : undefined;
    const error = n === undefined ? 'A valid integer is required.' : integerRangeMessage(n);
    if (error !== undefined) {
      fail(name, error);
      return null;
    }
    return v;
  };

  const baseRevision = optionalChar('base_revision');
  const newRevision = requiredChar('new_revision');
  const baseRepository = requiredChar('base_repository');
  const newRepository = requiredChar('new_repository');
  const framework = optionalInt('framework');
  const interval = optionalInt('interval', INTERVAL_RANGE);
  const noSubtests = bool('no_subtests');
  const baseParentSignature = parentSignature('base_parent_signature');
  const newParentSignature = parentSignature('new_parent_signature');
  const replicates = bool('replicates');
  const testVersion = optionalChar('test_version') ?? 'student-t';
  const enableSilvermanKde = bool('enable_silverman_kde');

  if (Object.keys(errors).length > 0) throw badRequest(errors);
  if (baseRevision === null && interval === null) {
    throw badRequest({ non_field_errors: ['Field required: interval.'] });
  }
  return {
    baseRevision,
    newRevision,
    baseRepository,
    newRepository,
    framework,
    interval,
    noSubtests,
    baseParentSignature,
    newParentSignature,
    replicates,
    testVersion,
    enableSilvermanKde,
  };
}
