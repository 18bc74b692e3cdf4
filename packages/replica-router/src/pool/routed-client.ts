import { EventEmitter } from 'node:events';
import pg from 'pg';
import { normalizeQueryArgs, settle } from './query-args.ts';
import type { ClientState, StatementDispatcher } from './statement-dispatcher.ts';

const FORWARDED_EVENTS = ['error', 'notice', 'notification', 'end'] as const;

/**
 * What `RoutedPool.connect()` hands out: a pg.PoolClient look-alike. It takes a primary connection only
 * when a statement needs the primary (so a query builder that checks out a client per query, like
 * Kysely, does not hold primary connections for replica reads). From BEGIN to COMMIT/ROLLBACK every
 * statement runs on that one primary connection; once session state is created (SET, PREPARE,
 * LISTEN, temp tables, session advisory locks) the client stays on the primary until released.
 */
export class RoutedClient extends EventEmitter {
  readonly #dispatcher: StatementDispatcher;
  readonly #acquire: () => Promise<pg.PoolClient>;
  readonly #state: ClientState = { inTransaction: false, pinned: false };
  #primary: pg.PoolClient | undefined;
  #acquiring: Promise<pg.PoolClient> | undefined;
  #released = false;

  constructor(dispatcher: StatementDispatcher, acquire: () => Promise<pg.PoolClient>) {
    super();
    this.#dispatcher = dispatcher;
    this.#acquire = acquire;
  }

  /** Whether this client is inside a transaction (as far as the statements it ran say). */
  get inTransaction(): boolean {
    return this.#state.inTransaction;
  }

  /** Whether session state pinned this client to the primary. */
  get pinned(): boolean {
    return this.#state.pinned;
  }

  /** The primary connection, taken from the pool on first need. */
  primaryClient(): Promise<pg.PoolClient> {
    if (this.#primary) return Promise.resolve(this.#primary);
    this.#acquiring ??= this.#acquire().then((client) => {
      this.#primary = client;
      for (const event of FORWARDED_EVENTS)
        client.on(event, (...args: unknown[]) => this.emit(event, ...args));
      return client;
    });
    return this.#acquiring;
  }

  query(...args: unknown[]): unknown {
    const q = normalizeQueryArgs(args);
    if (this.#released) {
      return settle(Promise.reject(new Error('Client was released and is not queryable')), q.callback);
    }
    if (q.submittable) {
      // Cursors and streams hold a portal on one connection: always the primary client. As pg does, hand
      // the submittable back at once (callers read or pipe it) and pass the caller's callback along.
      const submittable = q.submittable as pg.Submittable & { handleError?: (error: unknown) => void };
      void this.primaryClient()
        .then((c) => {
          (c.query as (...a: unknown[]) => unknown).apply(c, args);
        })
        .catch((error: unknown) => submittable.handleError?.(error));
      return submittable;
    }
    const result = this.#dispatcher
      .decide(q.sql, this.#state)
      .then((decision) =>
        this.#dispatcher.run(q.sql, q.config, q.values, decision, () => this.primaryClient()),
      );
    return settle(result, q.callback);
  }

  /** Give the connection back (or destroy it when `err` is truthy), like pg's `release`. */
  release(err?: Error | boolean): void {
    if (this.#released) return;
    this.#released = true;
    const primary = this.#primary;
    if (primary) primary.release(err);
    else if (this.#acquiring) void this.#acquiring.then((c) => c.release(err)).catch(() => {});
  }

  escapeIdentifier(str: string): string {
    return pg.escapeIdentifier(str);
  }

  escapeLiteral(str: string): string {
    return pg.escapeLiteral(str);
  }
}
