import type { Queryable } from '../../db/queryable.ts';
import { INT8, pyInt } from '../../http/integer-param.ts';
import { last } from '../../http/query-params.ts';
import { badRequest, notFoundBody, type ServiceError } from '../../http/service-errors.ts';
import { intColumnList } from '../../perf/signatures/series-params.ts';
import { parsePushDate } from './push-date.ts';

/** The reference's `MAX_PUSH_COUNT`. */
export const MAX_PUSH_COUNT = 1000;
/** Pushes a search keeps, newest first, before any other filter and `count` apply. */
export const MAX_SEARCH_RESULTS = 200;
const DEFAULT_COUNT = 10;

/** The raw parameters echoed in `meta`, in this order, when non-empty; also removed from `filter_params`. */
const ECHOED = ['fromchange', 'tochange', 'startdate', 'enddate', 'revision', 'commit_revision'] as const;
const TIMESTAMP_OPS = {
  push_timestamp__lt: '<',
  push_timestamp__lte: '<=',
  push_timestamp__gt: '>',
  push_timestamp__gte: '>=',
} as const;
const ID_OPS = { id: '=', id__lt: '<', id__lte: '<=', id__gt: '>', id__gte: '>=' } as const;
/** Epoch seconds of 0001-01-01 and 9999-12-31T23:59:59 (Python's datetime range). */
const MIN_EPOCH = -62_135_596_800;
const MAX_EPOCH = 253_402_300_799;

/** A validated push list request: SQL over `push p` plus what `meta` reports. */
export interface PushListQuery {
  /** Conditions, ANDed, over `push p`; placeholders index into `params`. */
  readonly where: readonly string[];
  readonly params: readonly unknown[];
  /** A search's CTE (`WITH matches AS (…)`), or '' without a search. */
  readonly searchCte: string;
  readonly count: number;
  /** `meta` without `count` (the number returned), in the reference's key order. */
  readonly echoed: Readonly<Record<string, string>>;
  readonly repository: string;
  readonly filterParams: Readonly<Record<string, string | number>>;
}

function detail(message: string): ServiceError {
  return badRequest({ detail: message });
}

/** Python's `float(text)` for a timestamp, finite and within datetime's range; else undefined. */
function timestamp(text: string): number | undefined {
  const t = text.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n >= MIN_EPOCH && n <= MAX_EPOCH ? n : undefined;
}

/**
 * Reads the push list's query string like the reference's view (treeherder-core-api.md section 4.1), in
 * its order, so the first invalid parameter decides the error and `count` is checked last. Where the
 * reference answers 500 this answers 400 `{"detail": …}` (an unknown or ambiguous `fromchange`/`tochange`,
 * either with `all_repos`, a malformed `startdate`/`enddate`, a non-finite or out-of-range timestamp), and
 * `search` combined with other filters applies all of them. An unknown project (without `all_repos`) →
 * 404 `{"detail": "No project with name <project>"}`.
 */
export async function parsePushListParams(
  db: Queryable,
  project: string,
  query: Readonly<Record<string, unknown>>,
): Promise<PushListQuery> {
  // Each key once, with its last value (Django's QueryDict.get), in query order.
  const filterParams: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(query)) filterParams[key] = last(value) ?? '';
  // The client's values: the computed filter_params keys (push_timestamp__gte from startdate, …) are
  // reported, never read back as filters.
  const get = (name: string): string | undefined => last(query[name]);
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];

  const allRepos = Boolean(get('all_repos'));
  const repo = await db.query('SELECT id FROM repository WHERE name = $1', [project]);
  const repositoryId: number | undefined = repo.rows[0]?.id;
  const unknownProject = () => notFoundBody({ detail: `No project with name ${project}` });
  if (repositoryId === undefined && !allRepos) throw unknownProject();
  if (!allRepos) where.push(`p.repository_id = ${bind(repositoryId)}`);

  let searchCte = '';
  const search = get('search');
  if (search) {
    // A search looks in the project's pushes even with all_repos, as the reference's does.
    if (repositoryId === undefined) throw unknownProject();
    const repoParam = bind(repositoryId);
    const text = bind(search);
    searchCte = `WITH matches AS (
      SELECT p.id FROM push p
      WHERE p.repository_id = ${repoParam} AND (
        EXISTS (SELECT 1 FROM commit c
                WHERE c.push_id = p.id AND c.search_vector @@ plainto_tsquery('english', ${text}))
        OR strpos(lower(p.author), lower(${text})) > 0
        OR strpos(lower(p.revision), lower(${text})) > 0)
      ORDER BY p.time DESC, p.id DESC LIMIT ${MAX_SEARCH_RESULTS})`;
    where.push('p.id IN (SELECT id FROM matches)');
  }

  const echoed: Record<string, string> = {};
  for (const name of ECHOED) {
    const value = get(name);
    if (!value) continue;
    delete filterParams[name];
    echoed[name] = value;
    if (name === 'fromchange' || name === 'tochange') {
      if (allRepos) throw detail(`${name} cannot be combined with all_repos`);
      const { rows } = await db.query(
        `SELECT p.time, floor(extract(epoch FROM p.time))::float8 AS epoch FROM push p
         WHERE p.repository_id = $1 AND starts_with(p.revision, $2) LIMIT 2`,
        [repositoryId, value],
      );
      if (rows.length === 0) throw detail(`Unknown revision ${value} in ${project} for ${name}`);
      if (rows.length > 1) throw detail(`Ambiguous revision ${value} in ${project} for ${name}`);
      const from = name === 'fromchange';
      where.push(`p.time ${from ? '>=' : '<='} ${bind(rows[0].time)}`);
      filterParams[from ? 'push_timestamp__gte' : 'push_timestamp__lte'] = rows[0].epoch;
    } else if (name === 'startdate') {
      const day = parsePushDate(name, value);
      where.push(`p.time >= to_timestamp(${bind(day)})`);
      filterParams.push_timestamp__gte = day;
    } else if (name === 'enddate') {
      // Inclusive: up to the next midnight, reported as push_timestamp__lt (the reference's own mix).
      const next = parsePushDate(name, value) + 86_400;
      where.push(`p.time <= to_timestamp(${bind(next)})`);
      filterParams.push_timestamp__lt = next;
    } else if (name === 'revision') {
      if (value.length < 40) {
        where.push(`starts_with(p.revision, ${bind(value)})`);
        filterParams.revisions_short_revision = value;
      } else {
        where.push(`p.revision = ${bind(value)}`);
        filterParams.revisions_long_revision = value;
      }
    } else {
      where.push(`EXISTS (SELECT 1 FROM commit c WHERE c.push_id = p.id AND c.revision = ${bind(value)})`);
    }
  }

  for (const [name, op] of Object.entries(TIMESTAMP_OPS)) {
    const raw = get(name);
    if (!raw) continue;
    const value = timestamp(raw);
    if (value === undefined) throw detail(`Invalid timestamp specified for ${name}`);
    where.push(`p.time ${op} to_timestamp(${bind(value)})`);
  }

  for (const [name, op] of Object.entries(ID_OPS)) {
    const raw = get(name);
    if (raw === undefined) continue;
    const value = pyInt(raw);
    if (value === undefined) throw detail(`Invalid integer specified for ${name}`);
    if (value === 0n) continue;
    // Clamped to bigint: ids are integers, so a bound beyond that range selects the same rows.
    let clamped = value;
    if (clamped < INT8.min) clamped = INT8.min;
    if (clamped > INT8.max) clamped = INT8.max;
    where.push(`p.id ${op} ${bind(clamped.toString())}::bigint`);
  }

  const idIn = get('id__in');
  if (idIn) {
    const ids = intColumnList('id__in', idIn.split(','), () => detail('Invalid id__in specification'));
    where.push(`p.id = ANY(${bind(ids)}::int[])`);
  }

  const author = get('author');
  if (author) {
    const negate = author.startsWith('-');
    const name = bind(negate ? author.slice(1) : author);
    where.push(negate ? `lower(p.author) <> lower(${name})` : `lower(p.author) = lower(${name})`);
  }
  const authorContains = get('author_contains');
  if (authorContains) where.push(`strpos(lower(p.author), lower(${bind(authorContains)})) > 0`);
  if (get('hide_reviewbot_pushes') === 'true') where.push(`p.author <> 'reviewbot'`);

  const countRaw = get('count') ?? String(DEFAULT_COUNT);
  const count = pyInt(countRaw);
  if (count === undefined) throw detail('Valid count value required');
  if (count > BigInt(MAX_PUSH_COUNT)) throw detail(`Specified count exceeds api limit: ${MAX_PUSH_COUNT}`);
  if (count < 1n) throw detail(`count requires a positive integer, not: ${count}`);

  return {
    where,
    params,
    searchCte,
    count: Number(count),
    echoed,
    repository: allRepos ? 'all' : project,
    filterParams,
  };
}
