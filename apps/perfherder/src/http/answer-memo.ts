import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { type PreparedQueryable, queryNamed } from '../db/queryable.ts';
import { GZIP_MIN_BYTES, type GzipLevel } from './compression.ts';
import { weakEtag } from './etag.ts';

/** The default of `ANSWER_MEMO_BYTES`: 64 MiB of answers per process (about 90 heaviest summaries, both encodings). */
export const DEFAULT_ANSWER_MEMO_BYTES = 64 * 1024 * 1024;

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Reads `ANSWER_MEMO_BYTES`: unset or empty → {@link DEFAULT_ANSWER_MEMO_BYTES}; `0` → off; a whole number of
 * bytes, optionally followed by `k`, `M` or `G` (binary: 1024, 1024², 1024³; any case, `B` allowed after it).
 * Returns an error message for anything else, for the caller to raise naming the variable.
 *
 * @example
 * parseAnswerMemoBytes('256M'); // 268435456
 * parseAnswerMemoBytes('0'); // 0 (off)
 */
export function parseAnswerMemoBytes(raw: string | undefined): number | { error: string } {
  const text = raw?.trim() ?? '';
  if (text === '') return DEFAULT_ANSWER_MEMO_BYTES;
  const match = /^(\d{1,15})\s*([kmg]?)b?$/i.exec(text);
  const bytes = match ? Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    return { error: `must be a number of bytes such as 67108864, 64M or 1G, or 0 for off (got "${text}")` };
  }
  return bytes;
}

/**
 * Entries by key, least recently used out first once their bytes (`sizeOf`) pass `maxBytes`; an entry larger
 * than `maxBytes` is not kept. The memory of {@link AnswerMemo} and of the Mann-Whitney answers' copies.
 */
export class ByteLru<V> {
  /** Each value with the size it was counted at: a value may grow after (a gzip copy added), then is set again. */
  readonly #entries = new Map<string, { readonly value: V; readonly size: number }>();
  #bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly sizeOf: (value: V, key: string) => number,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): V | undefined {
    const held = this.#entries.get(key);
    if (held === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, held);
    return held.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const size = this.sizeOf(value, key);
    if (size > this.maxBytes) return;
    this.#entries.set(key, { value, size });
    this.#bytes += size;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const held = this.#entries.get(key);
    if (held === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= held.size;
  }
}

/**
 * Whether a `pg_current_snapshot()` text proves what is visible: true when it lists the transactions in
 * progress (`xip`) or has none to list (`xmin` = `xmax`). A hot standby's snapshot keeps its running
 * transactions out of `xip` (PostgreSQL stores them all as sub-transactions during recovery, and
 * `pg_current_snapshot()` prints only `xip`), so there `"xmin:xmax:"` with xmin < xmax hides transactions that
 * may commit without changing the text; such a snapshot proves nothing and its answer is not kept.
 */
export function isExactSnapshot(snapshot: string): boolean {
  const [xmin, xmax, xip] = snapshot.split(':');
  return (xip !== undefined && xip !== '') || (xmin !== undefined && xmin === xmax);
}

/** Adds a value to a statement's parameters and answers its placeholder (`$n`). */
export type AddArg = (value: unknown) => string;

/** An {@link AddArg} that appends to `values` (placeholders numbered after the values already there). */
export function addArgTo(values: unknown[]): AddArg {
  return (value) => {
    values.push(value);
    return `$${values.length}`;
  };
}

/**
 * A now-relative window of an answer: the cutoff (a timestamptz text) its statement compared with, and how to
 * ask whether a row crossed the window's edge between an older cutoff and a newer one (an SQL condition over
 * the two cutoffs' placeholders, its own values added with `arg`). Both must come from the code that writes the endpoint's own time condition.
 */
export interface MemoWindow {
  readonly cutoff: string;
  readonly crossed: (arg: AddArg, older: string, newer: string) => string;
}

/** One memoizable answer: a statement that returns one row whose `body` column is the whole JSON text. */
export interface MemoQuery {
  /**
   * The endpoint and every input of the statement, the now-relative cutoff excepted; null: not memoizable
   * (a window whose cutoff only the statement knows), the statement runs as it is.
   */
  readonly key: string | null;
  readonly text: string;
  readonly values: unknown[];
  /** The now-relative window, or null when the answer depends only on the data. */
  readonly window: MemoWindow | null;
  /** What JavaScript still does to the body before it is sent (and kept); default none. */
  readonly transform?: (body: string) => string;
}

/**
 * A memo key for a statement without a now-relative window: the endpoint's name and a SHA-1 of the statement's
 * text and values (its exact inputs).
 */
export function statementKey(endpoint: string, text: string, values: readonly unknown[]): string {
  return `${endpoint} ${createHash('sha1').update(text).update('\0').update(JSON.stringify(values)).digest('base64url')}`;
}

/**
 * An answer kept by {@link AnswerMemo}: its bytes, ETag, and the `pg_current_snapshot()` text and window
 * cutoff it was computed at. `note`: what the caller needs to tell whether the request still asks for the
 * same answer (e.g. the inputs it derived from the database and the clock), given back by
 * {@link AnswerMemo.recall}.
 */
export interface KeptAnswer {
  readonly snapshot: string;
  /** The cutoff the body is known to hold for (moved up by a check that found nothing crossing). */
  cutoff: string | null;
  readonly etag: string;
  /** The JSON text; null when the caller keeps the bytes itself (see `keep`). */
  identity: Buffer | null;
  gzip: Buffer | null;
  readonly note?: unknown;
}

/** What {@link AnswerMemo.stats} counts since start. */
export interface AnswerMemoStats {
  hits: number;
  misses: number;
  /** Answers not kept: their snapshot proved nothing (a busy standby) or they were too large. */
  unkept: number;
}

/**
 * Whole answers of heavy read endpoints in memory, served again only when the database proves them current.
 * The body is computed by one statement that also returns its own `pg_current_snapshot()`; a later request
 * with the same key first runs one small statement on the same routed pool: the current snapshot and, for a
 * now-relative window, whether a row crossed the window's edge since the kept cutoff. Same snapshot text (no
 * transaction completed in between, see {@link isExactSnapshot}) and nothing crossed: the kept bytes (gzip
 * when the client accepts it, compressed once) and ETag go out; otherwise the statement runs again. See
 * docs/performance.md "Answer memo". `maxBytes` 0: off, every request runs the statement as it is.
 */
export class AnswerMemo {
  readonly #lru: ByteLru<KeptAnswer>;
  readonly stats: AnswerMemoStats = { hits: 0, misses: 0, unkept: 0 };

  constructor(
    readonly maxBytes: number,
    readonly gzipLevel: GzipLevel,
  ) {
    this.#lru = new ByteLru<KeptAnswer>(
      maxBytes,
      (e, key) => key.length + (e.identity?.length ?? 0) + (e.gzip?.length ?? 0) + 200,
    );
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /**
   * Sends the answer of `query` (200, JSON) and returns the reply, or returns null when the statement
   * returned no row (the caller answers that case, e.g. a 400 for an unknown repository).
   */
  async send(
    db: PreparedQueryable,
    request: FastifyRequest,
    reply: FastifyReply,
    query: MemoQuery,
  ): Promise<FastifyReply | null> {
    if (!reply.hasHeader('content-type')) reply.type('application/json; charset=utf-8');
    const transform = query.transform ?? ((body: string) => body);
    const key = query.key;
    if (!this.enabled || key === null) {
      const { rows } = await queryNamed(db, query.text, query.values);
      const row = rows[0] as { body: string } | undefined;
      // As bytes: encoded once here, where a string would be encoded by the ETag hook's hash and again by the
      // socket write (0.2-0.3 ms for the 200-380 kB of `/data/` or `/signatures/`).
      return row ? reply.send(Buffer.from(transform(row.body), 'utf8')) : null;
    }
    const acceptsGzip =
      this.gzipLevel !== 'off' && new Negotiator(request).encoding(['gzip', 'identity']) === 'gzip';
    const kept = this.#lru.get(key);
    if (kept !== undefined && (await this.current(db, kept, query.window))) {
      this.stats.hits += 1;
      // Counted again with its new gzip copy (and dropped first if that passes the bound).
      if (this.#encode(kept, acceptsGzip)) this.#lru.set(key, kept);
      return this.#reply(reply, kept, acceptsGzip);
    }
    this.stats.misses += 1;
    const { rows } = await queryNamed(
      db,
      `SELECT memo_q.body, pg_current_snapshot()::text AS memo_snapshot FROM (${query.text}) memo_q`,
      query.values,
    );
    const row = rows[0] as { body: string; memo_snapshot: string } | undefined;
    if (!row) return null;
    const identity = Buffer.from(transform(row.body), 'utf8');
    const entry: KeptAnswer = {
      snapshot: row.memo_snapshot,
      cutoff: query.window?.cutoff ?? null,
      etag: weakEtag(identity),
      identity,
      gzip: null,
    };
    this.#encode(entry, acceptsGzip);
    if (isExactSnapshot(entry.snapshot)) this.#lru.set(key, entry);
    else this.stats.unkept += 1;
    return this.#reply(reply, entry, acceptsGzip);
  }

  /**
   * The answer kept under `key` (counted as used), not yet checked: for a route that builds its answer in
   * several steps and checks what it needs of `note` before {@link current}. Undefined when the memo is off.
   */
  recall(key: string): KeptAnswer | undefined {
    return this.enabled ? this.#lru.get(key) : undefined;
  }

  /**
   * Keeps an answer a route built itself, when its snapshot proves what was visible ({@link isExactSnapshot});
   * the caller passes the snapshot every statement of the answer saw (null when they differed: not kept).
   * Its bytes may be null, the caller's own copy (the Mann-Whitney answers, by ETag).
   */
  keep(key: string, answer: Omit<KeptAnswer, 'snapshot'> & { readonly snapshot: string | null }): void {
    if (!this.enabled) return;
    const { snapshot } = answer;
    if (snapshot !== null && isExactSnapshot(snapshot)) this.#lru.set(key, { ...answer, snapshot });
    else {
      this.#lru.delete(key);
      this.stats.unkept += 1;
    }
  }

  /** Counts a hit of an answer {@link recall}ed and found {@link current} by its caller. */
  countHit(): void {
    this.stats.hits += 1;
  }

  /**
   * Whether `kept` is still the answer: one statement on `db` (the request's routed pool), the current
   * snapshot and the window's edge. Moves the kept cutoff up when nothing crossed.
   */
  async current(db: PreparedQueryable, kept: KeptAnswer, window: MemoWindow | null): Promise<boolean> {
    const values: unknown[] = [];
    const arg = addArgTo(values);
    let crossed = 'false';
    if (window !== null && kept.cutoff !== window.cutoff) {
      // A window that grew back (the clock went back) may take rows in: recompute.
      const older = kept.cutoff === null ? Number.NaN : Date.parse(kept.cutoff);
      if (!(Date.parse(window.cutoff) > older) || kept.cutoff === null) return false;
      crossed = window.crossed(arg, arg(kept.cutoff), arg(window.cutoff));
    }
    const { rows } = await queryNamed(
      db,
      `SELECT pg_current_snapshot()::text AS snapshot, coalesce(${crossed}, true) AS crossed`,
      values,
    );
    const row = rows[0] as { snapshot: string; crossed: boolean };
    if (row.snapshot !== kept.snapshot || row.crossed) return false;
    // Nothing left the window between the two cutoffs: the body holds for the newer one.
    if (window !== null) kept.cutoff = window.cutoff;
    return true;
  }

  /** Whether the client gets gzip bytes; compresses them once, into the entry. True when it just did. */
  #encode(entry: KeptAnswer, acceptsGzip: boolean): boolean {
    if (!acceptsGzip || entry.gzip !== null || entry.identity === null) return false;
    if (entry.identity.length < GZIP_MIN_BYTES) return false;
    if (typeof this.gzipLevel !== 'number') return false;
    entry.gzip = gzipSync(entry.identity, { level: this.gzipLevel });
    return true;
  }

  #reply(reply: FastifyReply, entry: KeptAnswer, acceptsGzip: boolean): FastifyReply {
    // The ETag hook keeps this tag and answers a matching If-None-Match with a 304 (no hashing).
    reply.header('etag', entry.etag);
    if (!acceptsGzip || entry.gzip === null) return reply.send(entry.identity ?? Buffer.alloc(0));
    // The compression hook adds `Vary: accept-encoding` (after CORS's `origin`, as for the answers it gzips).
    reply.header('content-encoding', 'gzip');
    return reply.send(entry.gzip);
  }
}
