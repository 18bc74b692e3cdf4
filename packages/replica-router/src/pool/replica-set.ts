import pg from 'pg';
import type { NodeRef } from '../events/route-event.ts';
import type { Clock } from '../health/clock.ts';
import { HealthMonitor, type MonitoredReplica } from '../health/health-monitor.ts';
import type { HealthPolicy } from '../health/health-policy.ts';
import { PrimaryPositionHistory } from '../health/primary-position-history.ts';
import { createPrimaryProbe } from '../health/primary-probe.ts';
import { ReplicaHealth, type ReplicaHealthSnapshot } from '../health/replica-health.ts';
import { createReplicaProbe } from '../health/replica-probe.ts';
import type { RouterLogger } from '../log/router-logger.ts';
import type { RouteReason } from '../router/route-reason.ts';
import { endpointOf } from './connection-config.ts';
import { exceptionType } from './fallback-error.ts';
import { type ReplicaSelector, roundRobinSelector } from './replica-selector.ts';

/** A replica behind the `read_replica` alias: its own pool, its health (from probes) and its counters. */
export interface ReplicaMember {
  readonly ref: NodeRef;
  readonly pool: pg.Pool;
  readonly health: ReplicaHealth;
  /** Statements running on it now. */
  outstanding: number;
  /** Statements it served, and replica attempts that failed over to the primary. */
  served: number;
  failures: number;
}

/** One replica in `pool.stats()`: where it is, its probed health, its counters and its pool's. */
export interface ReplicaMemberState extends ReplicaHealthSnapshot {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly outstanding: number;
  readonly served: number;
  readonly failures: number;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/**
 * The replicas behind the alias. Background probes decide which are healthy (see `ReplicaHealth`); reads go
 * to the healthy ones through the selector (round-robin by default). A connection error of a routed statement
 * ejects a replica at once; only probes readmit it.
 */
export class ReplicaSet {
  readonly members: readonly ReplicaMember[];
  readonly #monitor: HealthMonitor;
  readonly #monitored: readonly MonitoredReplica[];
  readonly #select: ReplicaSelector;

  constructor(
    configs: readonly pg.PoolConfig[],
    options: {
      primary: pg.PoolConfig;
      policy: HealthPolicy;
      clock: Clock;
      logger: RouterLogger | undefined;
      selector?: ReplicaSelector;
    },
  ) {
    this.#select = options.selector ?? roundRobinSelector();
    const history = new PrimaryPositionHistory(Math.max(60_000, options.policy.maxLagMs * 2));
    const timeout = options.policy.probeTimeoutMs;
    this.members = configs.map((config, i) => {
      const pool = new pg.Pool(config);
      const endpoint = endpointOf(config);
      const name = `replica_${i + 1}`;
      const member: ReplicaMember = {
        ref: { alias: 'read_replica', name, host: endpoint.host, port: endpoint.port },
        pool,
        health: new ReplicaHealth(name, {
          policy: options.policy,
          clock: options.clock,
          history,
          logger: options.logger,
        }),
        outstanding: 0,
        served: 0,
        failures: 0,
      };
      // An idle replica connection dying (replica restarted, network cut) must never crash the process.
      pool.on('error', (error) => {
        options.logger?.warn(
          { replica: name, exception_type: exceptionType(error) },
          `db_routing_replica_error replica=${name} exception_type=${exceptionType(error)}`,
        );
        member.health.recordConnectionError(error);
      });
      return member;
    });
    this.#monitored = this.members.map((m, i) => ({
      health: m.health,
      target: createReplicaProbe(configs[i]!, timeout),
    }));
    this.#monitor = new HealthMonitor({
      primary: createPrimaryProbe(options.primary, timeout),
      replicas: this.#monitored,
      policy: options.policy,
      clock: options.clock,
      history,
    });
  }

  /** Starts the probes; resolves once every replica has been probed once (answered, failed or timed out). */
  start(): Promise<void> {
    return this.#monitor.start();
  }

  /** Probes every replica now, outside the schedule; resolves when each probe has settled. */
  async probeNow(): Promise<void> {
    await this.#monitor.start();
    await Promise.all(this.#monitored.map((m) => this.#monitor.probeNow(m)));
  }

  /** The primary's last probed WAL position. */
  get primaryPosition(): bigint | undefined {
    return this.#monitor.primary?.position;
  }

  /** The replicas that may receive reads now. */
  routable(): ReplicaMember[] {
    return this.members.filter((m) => m.health.routable);
  }

  /** One of `candidates` (default: every routable replica), by the selector. */
  pick(candidates: readonly ReplicaMember[] = this.routable()): ReplicaMember | undefined {
    return this.#select(candidates);
  }

  byName(name: string): ReplicaMember | undefined {
    return this.members.find((m) => m.ref.name === name);
  }

  /**
   * Why no replica may serve a read: `replica_lagging` when one is only lagging (it will be back soon),
   * `not_a_replica` when every one answers as a primary, else `replica_down`.
   */
  unroutableReason(): RouteReason {
    if (this.members.some((m) => m.health.state === 'lagging')) return 'replica_lagging';
    if (this.members.every((m) => m.health.state === 'not_a_replica')) return 'not_a_replica';
    return 'replica_down';
  }

  /** A routed statement met a connection error: no reads until the probes readmit it. */
  eject(member: ReplicaMember, error: unknown): void {
    member.health.recordConnectionError(error);
  }

  state(): ReplicaMemberState[] {
    return this.members.map((m) => ({
      name: m.ref.name,
      host: m.ref.host,
      port: m.ref.port,
      ...m.health.snapshot(),
      outstanding: m.outstanding,
      served: m.served,
      failures: m.failures,
      totalCount: m.pool.totalCount,
      idleCount: m.pool.idleCount,
      waitingCount: m.pool.waitingCount,
    }));
  }

  async end(): Promise<void> {
    await this.#monitor.stop();
    await Promise.allSettled(this.members.map((m) => m.pool.end()));
  }
}
