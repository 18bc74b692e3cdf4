/**
 * The one method the data layer needs from a database handle. A `pg.Pool`, a `pg.Client`, a pool
 * checkout and the service's routed pool all fit, so helpers take this instead of a concrete class.
 */
export interface Queryable {
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by the caller at each call site.
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}
