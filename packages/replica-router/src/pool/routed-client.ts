import { EventEmitter } from 'node:events';
import pg from 'pg';
import { normalizeQueryArgs, type QueryArgs, settle } from './query-args.ts';
import type { ClientState } from './route-decider.ts';
import type { PrimaryRunner, StatementDispatcher } from './statement-dispatcher.ts';

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
  /** One bound forwarder per event, so release() can remove exactly what primaryClient() added. */
  readonly #forward = Object.fromEntries(
    FORWARDED_EVENTS.map((event) => [
      event,
      (...args: unknown[]) => {
        // An 'error' nobody listens for here stays with pg (the pool destroys the connection on release).
        if (event === 'error' && this.listenerCount('error') === 0) return;
        this.emit(event, ...args);
      },
    ]),
  ) as Record<(typeof FORWARDED_EVENTS)[number], (...args: unknown[]) => void>;

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
      for (const event of FORWARDED_EVENTS) client.on(event, this.#forward[event]);
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
    // Decided synchronously, in call order: transaction and pinning state follow the statements as
    // the caller issued them, even when it does not await each one.
    const ready = this.#dispatcher.ready;
    const result = ready ? ready.then(() => this.#dispatch(q)) : this.#dispatch(q);
    return settle(result, q.callback);
  }

  #dispatch(q: QueryArgs): Promise<pg.QueryResult> {
    return this.#dispatcher.dispatch(q.sql, q.config, q.values, this.#state, this.#primaryRunner);
  }

  readonly #primaryRunner: PrimaryRunner = (config, values) =>
    this.primaryClient().then((client) => client.query(config, values));

  /** Give the connection back (or destroy it when `err` is truthy), like pg's `release`. */
  release(err?: Error | boolean): void {
    if (this.#released) return;
    this.#released = true;
    const giveBack = (client: pg.PoolClient) => {
      // The pooled connection outlives this wrapper: take our listeners off it, or they pile up.
      for (const event of FORWARDED_EVENTS) client.removeListener(event, this.#forward[event]);
      client.release(err);
    };
    if (this.#primary) giveBack(this.#primary);
    else if (this.#acquiring) void this.#acquiring.then(giveBack).catch(() => {});
  }

  escapeIdentifier(str: string): string {
    return pg.escapeIdentifier(str);
  }

  escapeLiteral(str: string): string {
    return pg.escapeLiteral(str);
  }
}
