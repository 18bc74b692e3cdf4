import { pyInt } from '../perf/signatures/series-params.ts';

const INT4_MAX = 2n ** 31n - 1n;

/**
 * A detail route's id as DRF's lookup reads it: Python's `int()` of the path segment. Undefined when it
 * is not an integer (DRF: 404 "Not found."); an integer outside the `integer` column's range is returned
 * as -1, which matches no row (404 "No <Model> matches the given query.").
 *
 * @example
 * intIdParam('12'); // 12
 * intIdParam('abc'); // undefined
 */
export function intIdParam(raw: string): number | undefined {
  const n = pyInt(raw);
  if (n === undefined) return undefined;
  return n < 0n || n > INT4_MAX ? -1 : Number(n);
}

/** The path parameters of a detail route: the id as text, read with {@link intIdParam}. */
export const idParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string' } },
  required: ['id'],
} as const;
