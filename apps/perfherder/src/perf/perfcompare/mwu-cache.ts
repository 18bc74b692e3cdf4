import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Queryable } from '../../db/queryable.ts';
import { ByteLru } from '../../http/answer-memo.ts';
import { weakEtag } from '../../http/etag.ts';

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

/** What a cache hit sends: the stored answer in one encoding, or nothing when the client's copy is current. */
export interface MwuCacheHit {
  /** The stored weak ETag of the identity text (null for a row cached before migration 0009). */
  readonly etag: string | null;
  /** The client's If-None-Match matched `etag`: no body was read. */
  readonly notModified: boolean;
  /** The body: gzip bytes when `gzip`, else the JSON text. Empty when `notModified`. */
  readonly body: string | Buffer;
  readonly gzip: boolean;
  /** The `pg_current_snapshot()` of the statement that read it. */
  readonly snapshot: string;
}

/** How the client asked: whether it accepts gzip, and the tags of its If-None-Match. */
export interface MwuCacheRequest {
  readonly acceptsGzip: boolean;
  readonly ifNoneMatch: { readonly any: boolean; readonly tags: readonly string[] };
}

// One statement, one row, only the column the answer needs: nothing when the client's tag matches the
// stored one or when the copy in memory ($5) is of the stored ETag, the gzip copy to a gzip client, the
// text otherwise (the jsonb for a row cached before 0005).
const READ_HIT = `
  SELECT etag, matched, known, pg_current_snapshot()::text AS snapshot,
         CASE WHEN NOT (matched OR known) AND $2 AND results_gzip IS NOT NULL THEN results_gzip END AS gzip,
         CASE WHEN NOT (matched OR known) AND NOT ($2 AND results_gzip IS NOT NULL) THEN results_text END AS text,
         CASE WHEN NOT (matched OR known) AND results_text IS NULL THEN results END AS results
    FROM (SELECT c.*, c.etag IS NOT NULL AND ($3 OR substr(c.etag, 3) = ANY($4::text[])) AS matched,
                 coalesce(c.etag = $5, false) AS known
            FROM perf_compare_mwu_cache c WHERE c.hash_key = $1) c`;

/** An answer in memory: the bytes sent, gzip or the JSON text, and the ETag of the row they came from. */
interface MemoEntry {
  readonly etag: string;
  readonly body: Buffer;
  readonly gzip: boolean;
}

/**
 * Answers read before, in memory, by key and encoding, least recently used out first past `maxBytes`. Only a
 * copy: every hit still asks the database for the row's ETag, and the copy is sent only when it is of that
 * ETag (a row deleted and cached again with other results is read again).
 */
export class MwuAnswerMemo extends ByteLru<MemoEntry> {
  constructor(maxBytes: number) {
    super(maxBytes, (entry) => entry.body.length);
  }
}

/**
 * The cached answer for a key, or undefined. `results_text` holds it as sent (migration 0005), with its ETag
 * and a gzip copy (0009); a row cached before 0005 is serialised from its jsonb once per hit, one cached
 * before 0009 is sent as text (the ETag hook hashes it). Runs on whatever the routed pool picks (a replica).
 * With `memo`, a body already in memory for the row's ETag is not read again.
 */
export async function readMwuCache(
  db: Queryable,
  hashKey: string,
  request: MwuCacheRequest,
  memo?: MwuAnswerMemo,
): Promise<MwuCacheHit | undefined> {
  const memoKey = `${hashKey} ${request.acceptsGzip ? 'gzip' : 'identity'}`;
  const remembered = memo?.get(memoKey);
  const { rows } = await db.query(READ_HIT, [
    hashKey,
    request.acceptsGzip,
    request.ifNoneMatch.any,
    request.ifNoneMatch.tags,
    remembered?.etag ?? null,
  ]);
  const row = rows[0] as
    | {
        etag: string | null;
        matched: boolean;
        known: boolean;
        gzip: Buffer | null;
        text: string | null;
        results: unknown;
        snapshot: string;
      }
    | undefined;
  if (row === undefined) return undefined;
  const { snapshot } = row;
  if (row.matched) return { etag: row.etag, notModified: true, body: '', gzip: false, snapshot };
  if (row.known && remembered) {
    return { etag: row.etag, notModified: false, body: remembered.body, gzip: remembered.gzip, snapshot };
  }
  if (row.etag === null) {
    const body = row.text ?? JSON.stringify(row.results);
    return { etag: null, notModified: false, body, gzip: false, snapshot };
  }
  // Kept as bytes: a hit from memory sends them without encoding 4 MB of text again.
  const gzip = row.gzip !== null;
  const body = row.gzip ?? Buffer.from(row.text ?? '', 'utf8');
  memo?.set(memoKey, { etag: row.etag, body, gzip });
  return { etag: row.etag, notModified: false, body, gzip, snapshot };
}

/**
 * The bytes of the stored answer of ETag `etag` that `memo` holds: its text and its gzip copy (each null when
 * not read yet), whichever encoding the requests that read them asked for.
 */
export function rememberedBodies(
  memo: MwuAnswerMemo,
  hashKey: string,
  etag: string,
): { identity: Buffer | null; gzip: Buffer | null } {
  const bodies = { identity: null as Buffer | null, gzip: null as Buffer | null };
  for (const encoding of ['identity', 'gzip']) {
    const entry = memo.get(`${hashKey} ${encoding}`);
    if (entry?.etag !== etag) continue;
    if (entry.gzip) bodies.gzip = entry.body;
    else bodies.identity = entry.body;
  }
  return bodies;
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
