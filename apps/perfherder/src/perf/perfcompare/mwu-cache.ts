import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/queryable.ts';

/** What the reference hashes into `perf_compare_mwu_cache.hash_key` (spec §3.12 "MWU caching"). */
export interface MwuCacheKeyInput {
  readonly base_rev: string | null;
  readonly new_rev: string;
  readonly base_repo: string;
  readonly new_repo: string;
  readonly framework: number | null;
  /** After the recompute from the pushes when there is a base revision. */
  readonly interval: number | null;
  readonly no_subtests: boolean;
  readonly base_parent_signature: string | null;
  readonly new_parent_signature: string | null;
  readonly replicates: boolean;
  readonly enable_silverman_kde: boolean;
  readonly base_sig_ids: readonly number[];
  readonly new_sig_ids: readonly number[];
  /** Total length of the base and new statistics lists. */
  readonly total_data_points: number;
}

/**
 * Python's `json.dumps(value, sort_keys=True)`: `", "` and `": "` separators, keys sorted, non-ASCII
 * escaped as `\uXXXX`. Handles the JSON subset the cache key uses (null, bool, int, string, list, dict).
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
}

function pythonFloat(x: number): string {
  const text = String(x);
  return /[.e]/.test(text) ? text.replace(/e([+-])(\d)$/, 'e$10$2') : `${text}.0`;
}

/** The SHA-256 hex key: signature ids as strings, sorted like Python sorts strings. */
export function mwuCacheKey(input: MwuCacheKeyInput): string {
  const ids = (list: readonly number[]) => list.map(String).sort();
  const payload = { ...input, base_sig_ids: ids(input.base_sig_ids), new_sig_ids: ids(input.new_sig_ids) };
  return createHash('sha256').update(pythonJsonDumps(payload)).digest('hex');
}

/**
 * A JSON value with every object's keys in jsonb's order (shorter keys first, then by bytes), the order
 * in which PostgreSQL gives back the `results` jsonb column: the cached answer keeps the key order it has
 * always had when read back from jsonb.
 */
export function inJsonbKeyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inJsonbKeyOrder);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort((a, b) => {
    if (a.length !== b.length) return a.length - b.length;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  });
  return Object.fromEntries(keys.map((k) => [k, inJsonbKeyOrder((value as Record<string, unknown>)[k])]));
}

/**
 * The cached answer for a key as JSON text, ready to send, or undefined. `results_text` holds it as sent
 * (migration 0005); a row cached before that column existed is serialised from its jsonb once per hit. Runs
 * on whatever the routed pool picks (a replica).
 */
export async function readMwuCache(db: Queryable, hashKey: string): Promise<string | undefined> {
  const { rows } = await db.query(
    `SELECT results_text, CASE WHEN results_text IS NULL THEN results END AS results
       FROM perf_compare_mwu_cache WHERE hash_key = $1`,
    [hashKey],
  );
  const row = rows[0] as { results_text: string | null; results: unknown } | undefined;
  if (row === undefined) return undefined;
  return row.results_text ?? JSON.stringify(row.results);
}

/**
 * Stores results under a key (get-or-create: a concurrent insert of the same key is kept): the jsonb as
 * the reference stores it, and the answer a cache hit sends, as text. A write: primary.
 */
export async function writeMwuCache(db: Queryable, hashKey: string, results: unknown[]): Promise<void> {
  await db.query(
    `INSERT INTO perf_compare_mwu_cache (hash_key, results, results_text, created)
     VALUES ($1, $2::jsonb, $3, now())
     ON CONFLICT (hash_key) DO NOTHING`,
    [hashKey, JSON.stringify(results), JSON.stringify(inJsonbKeyOrder(results))],
  );
}
