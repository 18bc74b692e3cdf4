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

/**
 * One statement on a connection checked out for it alone, which can be abandoned: then the statement is
 * cancelled with a protocol cancel, and the connection goes back to its pool only once the statement has
 * ended (so the cancel can never hit a later statement on it); if that does not happen within
 * `cancelTimeoutMs`, the connection is destroyed. Not abandoned, it behaves as `pool.query` (an error
 * destroys the connection).
 */
export class CancellableQuery {
  /** The statement's outcome (never awaited after `abandon()`; its rejection is then handled here). */
  readonly result: Promise<pg.QueryResult>;
  /** Resolves once the statement was sent (a connection was acquired); never rejects. */
  readonly sent: Promise<void>;
  #markSent: () => void = () => {};
  readonly #cancelTimeoutMs: number;
  #client: pg.PoolClient | undefined;
  #running: Promise<Settled> | undefined;
  #settled: Settled | undefined;
  #abandoned = false;
  #released = false;
  /** Stops listening for the connection's 'error' (listened for while it is checked out here). */
  #stopListening: () => void = () => {};

  constructor(
    acquire: () => Promise<pg.PoolClient>,
    config: StatementInput,
    values: unknown[] | undefined,
    options: { readonly cancelTimeoutMs: number },
  ) {
    this.#cancelTimeoutMs = options.cancelTimeoutMs;
    this.sent = new Promise((resolve) => {
      this.#markSent = resolve;
    });
    this.result = acquire().then((client) => {
      if (this.#abandoned) {
        this.#release(client);
        throw new Error('abandoned');
      }
      this.#client = client;
      this.#stopListening = listenWhileCheckedOut(client);
      const query = client.query(config, values);
      this.#markSent();
      this.#running = query.then(
        () => (this.#settled = { ok: true }),
        (error: unknown) => (this.#settled = { ok: false, error }),
      );
      return query.then(
        (result) => {
          if (!this.#abandoned) this.#release(client);
          return result;
        },
        (error: unknown) => {
          if (!this.#abandoned) this.#release(client, error);
          throw error;
        },
      );
    });
    this.result.catch(() => {});
  }

  /** Give up on the statement: cancel it and leave its connection clean. Never rejects. */
  async abandon(): Promise<AbandonOutcome> {
    if (this.#abandoned) return 'finished';
    this.#abandoned = true;
    const client = this.#client;
    const running = this.#running;
    if (!client || !running) return 'unused';
    if (this.#released) return 'finished';
    const ended = this.#settled;
    if (ended) {
      this.#release(client, ended.ok ? undefined : ended.error);
      return 'finished';
    }
    const deadline = new Promise<undefined>((resolve) => {
      setTimeout(() => resolve(undefined), this.#cancelTimeoutMs).unref();
    });
    const cancel = await cancelBackend(client, this.#cancelTimeoutMs);
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
    this.#stopListening();
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
