import { createHash } from 'node:crypto';

/**
 * The one method the data layer needs from a database handle. A `pg.Pool`, a `pg.Client`, a pool
 * checkout and the service's routed pool all fit, so helpers take this instead of a concrete class.
 */
export interface Queryable {
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by the caller at each call site.
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

/**
 * A handle that also runs named (prepared) statements: pg's query config `{ name, text, values }`. Every
 * real handle of {@link Queryable} fits (pg.Pool, pg.Client, a pool checkout, the routed pool).
 */
export interface PreparedQueryable {
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by the caller at each call site.
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: any[] }>;
}

/**
 * Runs `text` as a named statement, named after a hash of its text: each connection parses and analyses a
 * statement shape once (pg sends Parse only the first time a connection sees the name), which matters for
 * long statements whose parse and analysis cost more than their execution. PostgreSQL still chooses
 * between its generic plan and a custom plan per execution (plan_cache_mode).
 */
export function queryNamed(
  db: PreparedQueryable,
  text: string,
  values: unknown[],
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by the caller at each call site.
): Promise<{ rows: any[] }> {
  return db.query({ name: `q-${createHash('md5').update(text).digest('base64url')}`, text, values });
}
