/** A server a wait can ask: the cluster's nodes, or URLs of a cluster another process started. */
export interface Queryable {
  readonly name: string;
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}
