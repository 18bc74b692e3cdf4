import type pg from 'pg';
import { listenWhileCheckedOut } from '../pool/checked-out-errors.ts';
import { cancelBackend } from './cancel-backend.ts';

/** A statement's text or pg query config. */
export type StatementInput = pg.QueryConfig | string;

/** How an abandoned statement's connection was left. */
export type AbandonOutcome =
  /** No statement had started (still waiting for a connection): the connection went back unused. */
  | 'unused'
  /** The statement had already ended: nothing to do. */
  | 'finished'
  /** Cancelled (or it ended meanwhile); the connection went back to its pool, idle and usable. */
  | 'cancelled'
  /** The cancel or the statement's end did not come in time: the connection was destroyed. */
  | 'destroyed';

/** pg.Client's socket, which is not in its types. */
interface WithSocket {
  readonly connection?: { readonly stream?: { destroy(): void } };
}

const QUERY_CANCELED = '57014';

type Settled = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

const SETTLED_OK: Settled = { ok: true };

/**
 * pg's callback form with a config object and values, which pg takes (its types list the text form only).
 */
interface CallbackQuery {
  query(
    config: StatementInput,
    values: unknown[] | undefined,
    callback: (error: Error | null, result: pg.QueryResult) => void,
  ): void;
}

/** Hands over a checked-out connection through a callback (a pg.Pool is one), or the error that kept it from opening. */
export interface ConnectionSource {
  connect(callback: (error: Error | undefined, client: pg.PoolClient | undefined) => void): void;
}

/** Listened to while a connection is checked out here (see `listenWhileCheckedOut`): one function for all. */
const ignoreError = (): void => {};

/** Connections that carry `ignoreError` for good (see {@link CancellableQuery.listensForGood}). */
const listenedForGood = new WeakSet<pg.PoolClient>();

/**
 * One statement on a connection checked out for it alone, which can be abandoned: then the statement is
 * cancelled with a protocol cancel, and the connection goes back to its pool only once the statement has
 * ended (so the cancel can never hit a later statement on it); if that does not happen within
 * `cancelTimeoutMs`, the connection is destroyed. Not abandoned, it behaves as `pool.query` (an error
 * destroys the connection).
 *
 * Callbacks, not promises: a subclass learns of the statement through {@link sent} and {@link answered}, so a
 * replica read pays for no promise or timer of its own here (this is every routed read's path while
 * hedging is on).
 */
export abstract class CancellableQuery {
  #client: pg.PoolClient | undefined;
  #settled: Settled | undefined;
  /** Told once the statement has ended (set by `abandon()` while it runs). */
  #onSettled: ((settled: Settled) => void) | undefined;
  #abandoned = false;
  #released = false;

  /**
   * Whether the connections of this kind of statement keep the listener for their 'error' once given it, instead of
   * getting it at each checkout and losing it at each release: adding and removing an EventEmitter listener is
   * among the costliest things a statement does here (about 0.25 µs). Only for connections of a pool of the
   * router's own (a replica's), which nobody else is handed: an 'error' of one of them, checked out or idle, is
   * still what it was (the statement's failure, or pg-pool's idle listener), the listener only keeps it from
   * crashing the process.
   */
  protected get listensForGood(): boolean {
    return false;
  }

  /** The statement was sent (a connection was acquired). */
  protected abstract sent(): void;

  /**
   * The statement's outcome, or the connection's failure to open (never called for a connection handed over
   * after `abandon()`). Called once.
   */
  protected abstract answered(error: unknown, result: pg.QueryResult | undefined): void;

  /** Acquires a connection from `source` and runs the statement on it. Call once. */
  protected run(source: ConnectionSource, config: StatementInput, values: unknown[] | undefined): void {
    source.connect((error, client) => {
      if (error || !client) {
        this.answered(error ?? new Error('no connection'), undefined);
        return;
      }
      if (this.#abandoned) {
        this.#release(client);
        return;
      }
      this.#client = client;
      if (!this.listensForGood) client.on('error', ignoreError);
      else if (!listenedForGood.has(client)) {
        client.on('error', ignoreError);
        listenedForGood.add(client);
      }
      (client as unknown as CallbackQuery).query(config, values, (queryError, result) => {
        this.#settled = queryError ? { ok: false, error: queryError } : SETTLED_OK;
        this.#onSettled?.(this.#settled);
        if (!this.#abandoned) this.#release(client, queryError ?? undefined);
        if (queryError) this.answered(queryError, undefined);
        else this.answered(undefined, result);
      });
      this.sent();
    });
  }

  /**
   * Give up on the statement: cancel it and leave its connection clean. Never rejects. `cancelTimeoutMs`: how
   * long the cancel and the statement's end may take before the connection is destroyed instead.
   */
  async abandon(cancelTimeoutMs: number): Promise<AbandonOutcome> {
    if (this.#abandoned) return 'finished';
    this.#abandoned = true;
    const client = this.#client;
    // The connection is kept only once the statement is on it.
    if (!client) return 'unused';
    if (this.#released) return 'finished';
    const ended = this.#settled;
    if (ended) {
      this.#release(client, ended.ok ? undefined : ended.error);
      return 'finished';
    }
    const deadline = new Promise<undefined>((resolve) => {
      setTimeout(() => resolve(undefined), cancelTimeoutMs).unref();
    });
    const running = new Promise<Settled>((resolve) => {
      this.#onSettled = resolve;
    });
    const cancel = await cancelBackend(client, cancelTimeoutMs);
    // Not delivered (the server never took it): clean only if the statement ended anyway.
    const settled = cancel === 'sent' ? await Promise.race([running, deadline]) : this.#settled;
    if (settled && (settled.ok || (settled.error as { code?: unknown }).code === QUERY_CANCELED)) {
      this.#release(client);
      return 'cancelled';
    }
    this.#destroy(client);
    return 'destroyed';
  }

  #release(client: pg.PoolClient, error?: unknown): void {
    if (this.#released) return;
    this.#released = true;
    if (!this.listensForGood) client.removeListener('error', ignoreError);
    client.release(error === undefined ? undefined : (error as Error));
  }

  /** Out of the pool first (pg-pool ends it), then the socket, which a frozen server would never close. */
  #destroy(client: pg.PoolClient): void {
    // The socket's end may still raise an 'error' after the release.
    listenWhileCheckedOut(client);
    this.#release(client, new Error('hedge loser did not stop in time'));
    (client as unknown as WithSocket).connection?.stream?.destroy();
  }
}
