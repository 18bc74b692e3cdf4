import pg from 'pg';
import type { NodeRef } from '../events/route-event.ts';
import type { RouterLogger } from '../scope/request-scope.ts';
import { endpointOf } from './connection-config.ts';
import { exceptionType } from './fallback-error.ts';

/** A replica behind the `read_replica` alias, with its own pool and health. */
export interface ReplicaMember {
  readonly ref: NodeRef;
  readonly pool: pg.Pool;
  /** Epoch ms until which it gets no reads (0 = healthy). */
  ejectedUntil: number;
  /** Statements it served, and replica attempts that failed over to the primary. */
  served: number;
  failures: number;
  lastError: string | undefined;
}

export interface ReplicaMemberState {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly state: 'healthy' | 'ejected';
  readonly ejectedForMs: number;
  readonly served: number;
  readonly failures: number;
  readonly lastError: string | undefined;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/**
 * The replicas behind the alias: round-robin over the healthy ones. A connection failure ejects a
 * replica for `ejectMs`, so later requests do not each pay a connect timeout; after that it is tried
 * again (the next failure ejects it again).
 */
export class ReplicaSet {
  readonly members: readonly ReplicaMember[];
  readonly #ejectMs: number;
  readonly #now: () => number;
  #next = 0;

  constructor(
    configs: readonly pg.PoolConfig[],
    options: { ejectMs: number; logger: RouterLogger | undefined; now?: () => number },
  ) {
    this.#ejectMs = options.ejectMs;
    this.#now = options.now ?? Date.now;
    this.members = configs.map((config, i) => {
      const pool = new pg.Pool(config);
      const endpoint = endpointOf(config);
      const member: ReplicaMember = {
        ref: { alias: 'read_replica', name: `replica_${i + 1}`, host: endpoint.host, port: endpoint.port },
        pool,
        ejectedUntil: 0,
        served: 0,
        failures: 0,
        lastError: undefined,
      };
      // An idle replica connection dying (replica restarted, network cut) must never crash the process.
      pool.on('error', (error) => {
        this.eject(member, error);
        options.logger?.warn(
          { replica: member.ref.name, exception_type: exceptionType(error) },
          `db_routing_replica_error replica=${member.ref.name} exception_type=${exceptionType(error)}`,
        );
      });
      return member;
    });
  }

  /** The next healthy replica, round-robin; undefined when all are ejected. */
  pick(): ReplicaMember | undefined {
    const now = this.#now();
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const member = this.members[(this.#next + i) % n];
      if (member && member.ejectedUntil <= now) {
        this.#next = (this.#next + i + 1) % n;
        return member;
      }
    }
    return undefined;
  }

  eject(member: ReplicaMember, error: unknown): void {
    member.ejectedUntil = this.#now() + this.#ejectMs;
    member.lastError = exceptionType(error);
  }

  state(): ReplicaMemberState[] {
    const now = this.#now();
    return this.members.map((m) => ({
      name: m.ref.name,
      host: m.ref.host,
      port: m.ref.port,
      state: m.ejectedUntil > now ? 'ejected' : 'healthy',
      ejectedForMs: Math.max(0, m.ejectedUntil - now),
      served: m.served,
      failures: m.failures,
      lastError: m.lastError,
      totalCount: m.pool.totalCount,
      idleCount: m.pool.idleCount,
      waitingCount: m.pool.waitingCount,
    }));
  }

  async end(): Promise<void> {
    await Promise.allSettled(this.members.map((m) => m.pool.end()));
  }
}
