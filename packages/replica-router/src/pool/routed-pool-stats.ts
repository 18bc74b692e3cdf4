import type { ConsistencyLevel } from '../causal/consistency-level.ts';
import type { Hedger } from '../hedge/hedger.ts';
import { formatWalPosition } from '../wal/wal-position.ts';
import type { CausalTokens } from './causal-tokens.ts';
import type { ReplicaSet } from './replica-set.ts';
import type { RoutedPoolStats } from './routed-pool-options.ts';
import type { StatementDispatcher } from './statement-dispatcher.ts';

/**
 * What a pool's stats are read from. The pool itself is passed for its pg.Pool counters and its
 * `routingEnabled`, typed by shape only so that this module does not import the pool that imports it.
 */
export interface RoutedPoolParts {
  readonly pool: {
    readonly routingEnabled: boolean;
    readonly totalCount: number;
    readonly idleCount: number;
    readonly waitingCount: number;
  };
  readonly consistency: ConsistencyLevel;
  readonly dispatcher: StatementDispatcher;
  readonly replicas: ReplicaSet | undefined;
  readonly tokens: CausalTokens | undefined;
  readonly hedger: Hedger | undefined;
}

/**
 * A snapshot of the pool's counters and replica states. The counters are copied, not shared, so that a
 * snapshot stays as it was when taken while the pool goes on counting.
 */
export function routedPoolStats(parts: RoutedPoolParts): RoutedPoolStats {
  const { pool, dispatcher, replicas, hedger } = parts;
  const p = dispatcher.primaryRef;
  const wal = replicas?.primaryPosition;
  const tokens = parts.tokens?.counts;
  const checks = dispatcher.chooser?.counts;
  return {
    routingEnabled: pool.routingEnabled,
    consistency: parts.consistency,
    reasons: { ...dispatcher.counts },
    fallbacks: dispatcher.fallbacks,
    primary: {
      host: p.host,
      port: p.port,
      walLsn: wal === undefined ? undefined : formatWalPosition(wal),
      totalCount: pool.totalCount,
      idleCount: pool.idleCount,
      waitingCount: pool.waitingCount,
    },
    selector: replicas?.selectorName,
    replicas: replicas?.state() ?? [],
    hedging: hedger?.stats(replicas?.members.map((m) => ({ name: m.ref.name, watchdog: m.watchdog })) ?? []),
    discovery: replicas?.discoveryState(),
    readMemo: dispatcher.rememberedReads,
    causal:
      tokens && checks
        ? { tokens: { ...tokens, invalid: { ...tokens.invalid } }, checks: { ...checks } }
        : undefined,
  };
}
