import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type PreparedQueryable, type Queryable, queryNamed } from '../../db/queryable.ts';
import { type AddArg, addArgTo, ByteLru } from '../../http/answer-memo.ts';
import { weakEtag } from '../../http/etag.ts';
import { SNAPSHOT } from './perfcompare-data.ts';

const gzipAsync = promisify(gzip);

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

/** The parts of the key that come from the database: the signature ids and the number of statistics. */
type KeyCounted = 'base_sig_ids' | 'new_sig_ids' | 'total_data_points';

/**
 * The JSON text the key hashes, cut around the values read from the database: `[before base ids, before new
 * ids, before the total, after it]` (the keys are sorted, so these three always come in this order).
 */
export function mwuCacheKeyTemplate(
  input: Omit<MwuCacheKeyInput, KeyCounted>,
): readonly [string, string, string, string] {
  const counted = new Set<string>(['base_sig_ids', 'new_sig_ids', 'total_data_points']);
  const parts = [''];
  const keys = [...Object.keys(input).filter((key) => !counted.has(key)), ...counted].sort();
  keys.forEach((key, i) => {
    parts[parts.length - 1] += `${i === 0 ? '{' : ', '}${pythonJsonDumps(key)}: `;
    if (counted.has(key)) parts.push('');
    else parts[parts.length - 1] += pythonJsonDumps((input as Record<string, unknown>)[key]);
  });
  parts[parts.length - 1] += '}';
  return parts as unknown as [string, string, string, string];
}

/** The SHA-256 hex key: signature ids as strings, sorted like Python sorts strings. */
export function mwuCacheKey(input: MwuCacheKeyInput): string {
  const ids = (list: readonly number[]) => pythonJsonDumps(list.map(String).sort());
  const [a, b, c, d] = mwuCacheKeyTemplate(input);
  const text = `${a}${ids(input.base_sig_ids)}${b}${ids(input.new_sig_ids)}${c}${input.total_data_points}${d}`;
  return createHash('sha256').update(text).digest('hex');
}

/**
 * {@link mwuCacheKey} in SQL, from the CTEs of `idsAndCountsCtes` (perfcompare-counts.ts): the ids as strings
 * sorted bytewise (Python's string order; they are ASCII digits), the template's parts added with `arg`.
 */
export function mwuCacheKeySql(template: readonly [string, string, string, string], arg: AddArg): string {
  const ids = (cte: string) => `(SELECT '[' || coalesce(string_agg('"' || id || '"', ', '
      ORDER BY id::text COLLATE "C"), '') || ']' FROM ${cte})`;
  const [a, b, c, d] = template.map((part) => `${arg(part)}::text`);
  return `encode(sha256(convert_to(${a} || ${ids('base_ids')} || ${b} || ${ids('new_ids')} || ${c}
      || (SELECT base + next FROM side_counts)::text || ${d}, 'UTF8')), 'hex')`;
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

/** What a cache hit sends: the stored answer in one encoding, or nothing when the client's copy is current. */
export interface MwuCacheHit {
  /** The stored weak ETag of the identity text (null for a row cached before migration 0009). */
  readonly etag: string | null;
  /** The client's If-None-Match matched `etag`: no body was read. */
  readonly notModified: boolean;
  /** The body: gzip bytes when `gzip`, else the JSON text. Empty when `notModified`. */
  readonly body: string | Buffer;
  readonly gzip: boolean;
}

/** How the client asked: whether it accepts gzip, and the tags of its If-None-Match. */
export interface MwuCacheRequest {
  readonly acceptsGzip: boolean;
  readonly ifNoneMatch: { readonly any: boolean; readonly tags: readonly string[] };
}

/**
 * The stored answer of key `hashKey` (SQL), one row or none, only the column the answer needs: nothing when
 * the client's tag matches the stored one or when the caller holds the bytes of the stored ETag (`known`), the
 * gzip copy to a gzip client, the text otherwise (the jsonb for a row cached before 0005). Values by `arg`.
 */
function storedAnswerSql(
  hashKey: string,
  request: MwuCacheRequest,
  known: string | null,
  arg: AddArg,
): string {
  const gzip = `${arg(request.acceptsGzip)}::boolean`;
  return `SELECT true AS found, etag, matched, known,
         CASE WHEN NOT (matched OR known) AND ${gzip} AND results_gzip IS NOT NULL THEN results_gzip END AS gzip,
         CASE WHEN NOT (matched OR known) AND NOT (${gzip} AND results_gzip IS NOT NULL) THEN results_text END AS text,
         CASE WHEN NOT (matched OR known) AND results_text IS NULL THEN results END AS results
    FROM (SELECT c.*, c.etag IS NOT NULL
                   AND (${arg(request.ifNoneMatch.any)}::boolean OR substr(c.etag, 3) = ANY(${arg(request.ifNoneMatch.tags)}::text[])) AS matched,
                 coalesce(c.etag = ${arg(known)}::text, false) AS known
            FROM perf_compare_mwu_cache c WHERE c.hash_key = ${hashKey}) c`;
}

/** Bytes of a stored answer the caller holds (the answer memo's copy): sent again while the row has `etag`. */
export interface KnownAnswer {
  readonly etag: string;
  readonly body: Buffer;
  readonly gzip: boolean;
}

/**
 * Bytes of stored answers read before, in memory, by key (the request's parameters and encoding), least
 * recently used out first past `maxBytes`. Only a copy: the stored-answer read still asks the database for
 * the row's ETag, and the copy is sent only when it is of that ETag.
 */
export class MwuAnswerMemo extends ByteLru<KnownAnswer> {
  constructor(maxBytes: number) {
    super(maxBytes, (entry, key) => key.length + entry.body.length);
  }
}

/** What {@link readMwuCacheKeyed} found: the key, and the stored answer or the ids to compute it from. */
export interface MwuCacheLookup {
  readonly hashKey: string;
  /** The statement's `pg_current_snapshot()`. */
  readonly snapshot: string;
  /** The stored answer, or undefined (none under this key). */
  readonly hit: MwuCacheHit | undefined;
  /** Both sides' signature ids of the key, ascending; only when no answer is stored (a miss needs them). */
  readonly ids: readonly [number[], number[]] | null;
}

/**
 * The key and the stored answer in one statement: `keyCtes` gives the CTEs `base_ids`, `new_ids` and
 * `side_counts` (perfcompare-counts.ts `idsAndCountsCtes`), whose key is hashed in PostgreSQL
 * ({@link mwuCacheKeySql}, `template` from {@link mwuCacheKeyTemplate}), then looked up: the ids never
 * travel unless the answer must be computed. `known`: bytes the caller holds, not read again while the row
 * has their ETag. A row cached before 0005 is serialised from its jsonb once per hit, one cached before 0009
 * is sent as text (the ETag hook hashes it). Runs on whatever the routed pool picks (a replica).
 */
export async function readMwuCacheKeyed(
  db: PreparedQueryable,
  keyCtes: (arg: AddArg) => string,
  template: readonly [string, string, string, string],
  request: MwuCacheRequest,
  known: KnownAnswer | undefined,
): Promise<MwuCacheLookup> {
  const values: unknown[] = [];
  const arg = addArgTo(values);
  const ctes = keyCtes(arg);
  const key = mwuCacheKeySql(template, arg);
  const stored = storedAnswerSql('k.hash_key', request, known?.etag ?? null, arg);
  const { rows } = await queryNamed(
    db,
    `WITH ${ctes}, k AS MATERIALIZED (SELECT ${key} AS hash_key)
     SELECT k.hash_key, ${SNAPSHOT} AS snapshot, h.found, h.etag, h.matched, h.known, h.gzip, h.text, h.results,
       CASE WHEN h.found IS NULL THEN ARRAY(SELECT id FROM base_ids ORDER BY id) END AS base_ids,
       CASE WHEN h.found IS NULL THEN ARRAY(SELECT id FROM new_ids ORDER BY id) END AS new_ids
     FROM k LEFT JOIN LATERAL (${stored}) h ON true`,
    values,
  );
  const row = rows[0] as {
    hash_key: string;
    snapshot: string;
    found: boolean | null;
    etag: string | null;
    matched: boolean;
    known: boolean;
    gzip: Buffer | null;
    text: string | null;
    results: unknown;
    base_ids: number[] | null;
    new_ids: number[] | null;
  };
  const { hash_key: hashKey, snapshot } = row;
  if (row.found === null) {
    return { hashKey, snapshot, hit: undefined, ids: [row.base_ids ?? [], row.new_ids ?? []] };
  }
  const answer = (hit: MwuCacheHit): MwuCacheLookup => ({ hashKey, snapshot, hit, ids: null });
  if (row.matched) return answer({ etag: row.etag, notModified: true, body: '', gzip: false });
  if (row.known && known)
    return answer({ etag: row.etag, notModified: false, body: known.body, gzip: known.gzip });
  if (row.etag === null) {
    return answer({
      etag: null,
      notModified: false,
      body: row.text ?? JSON.stringify(row.results),
      gzip: false,
    });
  }
  // Bytes: the caller keeps them, to send them again without encoding 4 MB of text.
  const gzip = row.gzip !== null;
  return answer({
    etag: row.etag,
    notModified: false,
    body: row.gzip ?? Buffer.from(row.text ?? '', 'utf8'),
    gzip,
  });
}

/**
 * Stores results under a key (get-or-create: a concurrent insert of the same key is kept): the jsonb as
 * the reference stores it, and what a cache hit sends: the text, its weak ETag and the text gzipped. A
 * write: primary.
 */
export async function writeMwuCache(db: Queryable, hashKey: string, results: unknown[]): Promise<void> {
  const text = JSON.stringify(inJsonbKeyOrder(results));
  await db.query(
    `INSERT INTO perf_compare_mwu_cache (hash_key, results, results_text, etag, results_gzip, created)
     VALUES ($1, $2::jsonb, $3, $4, $5, now())
     ON CONFLICT (hash_key) DO NOTHING`,
    [hashKey, JSON.stringify(results), text, weakEtag(text), await gzipAsync(text)],
  );
}
