import type pg from 'pg';
import type { NodeRef } from '../events/route-event.ts';
import type { RouteReason } from '../router/route-reason.ts';
import { currentScope } from '../scope/request-scope.ts';
import { listenWhileCheckedOut } from './checked-out-errors.ts';
import { isConnectionError, isFallbackError } from './fallback-error.ts';
import type { StatementDispatcher } from './statement-dispatcher.ts';

/** Isolation of a read-only transaction. Default `repeatable read`: every statement sees one snapshot. */
export type ReadOnlyIsolation = 'repeatable read' | 'serializable' | 'read committed';

export interface ReadOnlyTransactionOptions {
  readonly isolation?: ReadOnlyIsolation;
}

/** What the callback of a read-only transaction gets: one connection, one snapshot. */
export interface ReadOnlyClient {
  // biome-ignore lint/suspicious/noExplicitAny: the default row type of pg's own signature.
  query<R extends pg.QueryResultRow = any>(
    text: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

const ISOLATIONS = new Set<ReadOnlyIsolation>(['repeatable read', 'serializable', 'read committed']);

/** Why the transaction runs on the primary (or `routed` when a replica takes it). */
function placement(dispatcher: StatementDispatcher): RouteReason {
  if (!dispatcher.replicas) return 'routing_disabled';
  const scope = currentScope();
  if (scope && (!scope.useReplica || scope.ended)) return 'not_in_scope';
  if (scope?.fellBack) return 'fallback';
  if (scope?.wrote) return 'after_write';
  return 'routed';
}

/** Runs the transaction on `client`; its 'error' events are listened for meanwhile (never a crash). */
async function runOn<T>(
  dispatcher: StatementDispatcher,
  client: pg.PoolClient,
  node: NodeRef,
  reason: RouteReason,
  begin: string,
  fn: (client: ReadOnlyClient) => Promise<T>,
): Promise<T> {
  const stopListening = listenWhileCheckedOut(client);
  try {
    return await runTransaction(dispatcher, client, node, reason, begin, fn);
  } finally {
    stopListening();
  }
}

async function runTransaction<T>(
  dispatcher: StatementDispatcher,
  client: pg.PoolClient,
  node: NodeRef,
  reason: RouteReason,
  begin: string,
  fn: (client: ReadOnlyClient) => Promise<T>,
): Promise<T> {
  const query = async (text: string | pg.QueryConfig, values?: unknown[]) => {
    const sql = typeof text === 'string' ? text : text.text;
    const started = performance.now();
    dispatcher.counts[reason]++;
    try {
      const result = await client.query(text, values);
      dispatcher.publish(node, reason, sql, started);
      return result;
    } catch (error) {
      dispatcher.publish(node, reason, sql, started, error);
      throw error;
    }
  };
  await query(begin);
  try {
    const result = await fn({ query } as ReadOnlyClient);
    await query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Runs `fn` in one READ ONLY transaction on one connection: on a replica when routing is on and the
 * request has not been sent to the primary (usePrimary, an earlier write or fallback), else on the
 * primary. The replica is chosen as for a single read: healthy, and under a causal token one that has
 * replayed it. If the replica fails with an operational error, the whole transaction runs once more on the
 * primary (so `fn` may run twice, as a request does under the reference's fallback). Statements inside
 * are not classified: the server enforces READ ONLY (a write fails with 25006).
 */
export async function readOnlyTransaction<T>(
  dispatcher: StatementDispatcher,
  acquirePrimary: () => Promise<pg.PoolClient>,
  fn: (client: ReadOnlyClient) => Promise<T>,
  options: ReadOnlyTransactionOptions = {},
): Promise<T> {
  const isolation = options.isolation ?? 'repeatable read';
  if (!ISOLATIONS.has(isolation)) throw new TypeError(`unknown isolation level: ${String(isolation)}`);
  const begin = `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()} READ ONLY`;
  let reason = placement(dispatcher);
  if (reason === 'routed') {
    const choice = await dispatcher.chooser!.choose(currentScope()?.causal);
    const replica = choice.replica;
    if (!replica) reason = choice.reason;
    else {
      let client: pg.PoolClient | undefined;
      let broken: Error | undefined;
      replica.outstanding++;
      try {
        client = await replica.pool.connect();
        const result = await runOn(dispatcher, client, replica.ref, 'routed', begin, fn);
        replica.served++;
        dispatcher.noteServed(replica);
        return result;
      } catch (error) {
        if (!isFallbackError(error)) throw error;
        broken = error as Error;
        replica.failures++;
        dispatcher.fallbacks++;
        if (isConnectionError(error)) dispatcher.replicas!.eject(replica, error);
        dispatcher.noteFallback(error);
        reason = 'fallback';
      } finally {
        replica.outstanding--;
        client?.release(broken);
      }
    }
  }
  dispatcher.noteOnPrimary(undefined);
  const client = await acquirePrimary();
  try {
    return await runOn(dispatcher, client, dispatcher.primaryRef, reason, begin, fn);
  } finally {
    client.release();
  }
}
