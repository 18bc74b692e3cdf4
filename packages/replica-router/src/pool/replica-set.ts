import pg from 'pg';
import { type DiscoveryOptions, DnsDiscovery } from '../discover/dns-discovery.ts';
import type { NodeRef } from '../events/route-event.ts';
import type { Clock } from '../health/clock.ts';
import { HealthMonitor, type MonitoredReplica } from '../health/health-monitor.ts';
import type { HealthPolicy } from '../health/health-policy.ts';
import { PrimaryPositionHistory } from '../health/primary-position-history.ts';
import { createPrimaryProbe } from '../health/primary-probe.ts';
import { ReplicaHealth, type ReplicaHealthSnapshot } from '../health/replica-health.ts';
import { createReplicaProbe } from '../health/replica-probe.ts';
import type { ReplicaStateEvent } from '../health/replica-state-event.ts';
import { HedgeWatchdog } from '../hedge/hedge-watchdog.ts';
import type { ReplicaHedging } from '../hedge/hedger.ts';
import type { RouterLogger } from '../log/router-logger.ts';
import type { ReplicaSelector } from '../select/replica-selector.ts';
import { roundRobinSelector } from '../select/round-robin-selector.ts';
import { endpointOf } from './connection-config.ts';
import { exceptionType } from './fallback-error.ts';
import type { Choice } from './replica-chooser.ts';

/** How a replica joined the set: listed in the configuration, or found by DNS discovery. */
export type ReplicaSource = 'static' | 'dns';

/** A replica behind the `read_replica` alias: its own pool, its health (from probes) and its counters. */
export interface ReplicaMember {
  readonly ref: NodeRef;
  readonly pool: pg.Pool;
  /** Whether the router made its pool (and so ends it); false for a pool the application gave. */
  readonly ownsPool: boolean;
  readonly health: ReplicaHealth;
  readonly source: ReplicaSource;
  /** Its share of reads relative to the others, for the selector (default 1). */
  readonly weight: number;
  /** Statements running on it now. */
  outstanding: number;
  /** Its hedged statements in flight: hedges those past their delay, and every one at once when it is ejected. */
  readonly watchdog: HedgeWatchdog;
  /** Statements it served, and replica attempts that failed over to the primary. */
  served: number;
  failures: number;
  /** Routed statements it cancelled for a conflict with recovery (40001), each retried elsewhere once. */
  conflicts: number;
  /** Times the selector chose it. */
  selected: number;
  /** Left the set (DNS no longer lists it): no new statements; its pool closes once its work is done. */
  draining: boolean;
  /** The choice that routes a read to it (`reason: 'routed'`): one object for all its reads. */
  readonly routed: Choice;
  /** Its state in the pool's hedger, kept here by its first hedged read (no lookup by name per statement). */
  hedging: ReplicaHedging | undefined;
}

/** One replica in `pool.stats()`: where it is, its probed health, its counters and its pool's. */
export interface ReplicaMemberState extends ReplicaHealthSnapshot {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly source: ReplicaSource;
  readonly weight: number;
  /** Left the set and finishing its work; gone from the list once its pool closed. */
  readonly draining: boolean;
  readonly outstanding: number;
  readonly selected: number;
  readonly served: number;
  readonly failures: number;
  readonly conflicts: number;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** DNS discovery as `pool.stats()` shows it. */
export interface DiscoveryState {
  readonly host: string;
  readonly port: number;
  readonly intervalMs: number;
  /** The addresses of the last good answer. */
  readonly addresses: readonly string[];
  readonly resolutions: number;
  readonly failures: number;
  /** The last resolution failed (the set in use is the last good one). */
  readonly failing: boolean;
}

/** A configured replica: its connection and its weight. */
export interface ReplicaSpec {
  /** Where it is (for probes, events and stats), and the settings of the pool made for it. */
  readonly config: pg.PoolConfig;
  readonly weight: number;
  /** The application's own pool for it, used as it is (and left open by `end()`): no pool is made then. */
  readonly pool?: pg.Pool | undefined;
}

/** Between two looks at a draining replica's work. */
const DRAIN_POLL_MS = 50;

/**
 * The replicas behind the alias: listed ones, or those DNS discovery finds (added as they appear, drained and
 * closed as they disappear). Background probes decide which are healthy (see `ReplicaHealth`); reads go to
 * the healthy ones through the selector (round-robin by default). A connection error of a routed statement
 * ejects a replica at once; only probes readmit it.
 */
export class ReplicaSet {
  readonly #members: ReplicaMember[] = [];
  /** The last answer of {@link routable}. */
  #routable: readonly ReplicaMember[] = [];
  readonly #draining = new Set<ReplicaMember>();
  /** The 'error' listener put on each replica's pool, taken off a pool the application gave when the set ends. */
  readonly #poolListeners = new Map<ReplicaMember, (error: Error) => void>();
  readonly #monitor: HealthMonitor;
  readonly #monitored = new Map<ReplicaMember, MonitoredReplica>();
  readonly #select: ReplicaSelector;
  readonly #policy: HealthPolicy;
  readonly #clock: Clock;
  readonly #logger: RouterLogger | undefined;
  readonly #onStateChange: ((event: ReplicaStateEvent) => void) | undefined;
  readonly #history: PrimaryPositionHistory;
  readonly #discovery: DnsDiscovery | undefined;
  readonly #template: pg.PoolConfig | undefined;
  #started = false;
  #ended = false;

  constructor(
    specs: readonly ReplicaSpec[],
    options: {
      primary: pg.PoolConfig;
      policy: HealthPolicy;
      clock: Clock;
      logger: RouterLogger | undefined;
      selector?: ReplicaSelector | undefined;
      /** Find replicas by DNS; each address gets a pool made from `template` with its host and port. */
      discovery?: { readonly options: DiscoveryOptions; readonly template: pg.PoolConfig } | undefined;
      /** Told of every state change of its replicas (the pool's own listeners). */
      onStateChange?: ((event: ReplicaStateEvent) => void) | undefined;
    },
  ) {
    this.#select = options.selector ?? roundRobinSelector();
    this.#policy = options.policy;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#onStateChange = options.onStateChange;
    this.#history = new PrimaryPositionHistory(Math.max(60_000, options.policy.maxLagMs * 2));
    this.#monitor = new HealthMonitor({
      primary: createPrimaryProbe(options.primary, options.policy.probeTimeoutMs),
      replicas: [],
      policy: options.policy,
      clock: options.clock,
      history: this.#history,
    });
    for (const [i, spec] of specs.entries()) this.#add(`replica_${i + 1}`, spec, 'static');
    if (options.discovery) {
      this.#template = options.discovery.template;
      this.#discovery = new DnsDiscovery(options.discovery.options, {
        clock: options.clock,
        logger: options.logger,
        onChange: (addresses) => this.#sync(addresses),
      });
    }
  }

  /** The replicas in the set now (not those draining). */
  get members(): readonly ReplicaMember[] {
    return this.#members;
  }

  /** The selector's name, for stats. */
  get selectorName(): string {
    return this.#select.name;
  }

  /**
   * Starts discovery (first answer in) and the probes; resolves once every replica known then has been probed
   * once (answered, failed or timed out).
   */
  async start(): Promise<void> {
    await this.#discovery?.start();
    this.#started = true;
    await this.#monitor.start();
  }

  /** Probes every replica now, outside the schedule; resolves when each probe has settled. */
  async probeNow(): Promise<void> {
    await this.#monitor.start();
    await Promise.all([...this.#monitored.values()].map((m) => this.#monitor.probeNow(m)));
  }

  /** Resolves the discovery name now, outside its schedule (a no-op without discovery). */
  async discoverNow(): Promise<void> {
    await this.#discovery?.refresh();
  }

  /** How long a probe may take; also the bound of a direct question to a replica (its replay position). */
  get probeTimeoutMs(): number {
    return this.#policy.probeTimeoutMs;
  }

  /** The primary's last probed WAL position. */
  get primaryPosition(): bigint | undefined {
    return this.#monitor.primary?.position;
  }

  /**
   * The replicas that may receive reads now. The same array while they stay the same (every routed statement asks:
   * checking the members allocates nothing); do not change it.
   */
  routable(): readonly ReplicaMember[] {
    const last = this.#routable;
    let n = 0;
    let same = true;
    for (const m of this.#members) {
      if (!m.health.routable) continue;
      if (last[n] !== m) same = false;
      n++;
    }
    if (same && n === last.length) return last;
    this.#routable = this.#members.filter((m) => m.health.routable);
    return this.#routable;
  }

  /** One of `candidates` (default: every routable replica), by the selector. */
  pick(candidates: readonly ReplicaMember[] = this.routable()): ReplicaMember | undefined {
    const member = this.#select.select(candidates);
    if (member) member.selected++;
    return member;
  }

  byName(name: string): ReplicaMember | undefined {
    return this.#members.find((m) => m.ref.name === name);
  }

  /**
   * Why no replica may serve a read: `replica_lagging` when one is only lagging (it will be back soon),
   * `not_a_replica` when every one answers as a primary, else `replica_down`.
   */
  unroutableReason(): 'replica_lagging' | 'not_a_replica' | 'replica_down' {
    if (this.#members.some((m) => m.health.state === 'lagging')) return 'replica_lagging';
    if (this.#members.length > 0 && this.#members.every((m) => m.health.state === 'not_a_replica')) {
      return 'not_a_replica';
    }
    return 'replica_down';
  }

  /** A routed statement met a connection error: no reads until the probes readmit it. */
  eject(member: ReplicaMember, error: unknown): void {
    member.health.recordConnectionError(error);
  }

  state(): ReplicaMemberState[] {
    return [...this.#members, ...this.#draining].map((m) => ({
      name: m.ref.name,
      host: m.ref.host,
      port: m.ref.port,
      source: m.source,
      weight: m.weight,
      draining: m.draining,
      ...m.health.snapshot(),
      outstanding: m.outstanding,
      selected: m.selected,
      served: m.served,
      failures: m.failures,
      conflicts: m.conflicts,
      totalCount: m.pool.totalCount,
      idleCount: m.pool.idleCount,
      waitingCount: m.pool.waitingCount,
    }));
  }

  discoveryState(): DiscoveryState | undefined {
    const d = this.#discovery;
    if (!d) return undefined;
    return { host: d.host, port: d.port, intervalMs: d.intervalMs, addresses: d.addresses, ...d.counts };
  }

  async end(): Promise<void> {
    this.#ended = true;
    this.#discovery?.stop();
    await this.#monitor.stop();
    const members = [...this.#members, ...this.#draining];
    for (const m of members) {
      m.watchdog.stop();
      if (!m.ownsPool) m.pool.removeListener('error', this.#poolListeners.get(m)!);
    }
    await Promise.allSettled(members.filter((m) => m.ownsPool).map((m) => m.pool.end()));
  }

  #add(name: string, spec: ReplicaSpec, source: ReplicaSource): ReplicaMember {
    const pool = spec.pool ?? new pg.Pool(spec.config);
    const endpoint = endpointOf(spec.config);
    const watchdog = new HedgeWatchdog();
    const member = {
      ref: { alias: 'read_replica', name, host: endpoint.host, port: endpoint.port },
      pool,
      ownsPool: spec.pool === undefined,
      health: new ReplicaHealth(name, {
        policy: this.#policy,
        clock: this.#clock,
        history: this.#history,
        logger: this.#logger,
        // Found while the pool runs: admitted after `readmitProbes` good probes, as a returning replica is.
        onProbation: this.#started,
        onChange: this.#onStateChange,
        // Out: what still runs on it should not wait for it any longer (hedged statements start on the primary).
        onOut: () => watchdog.hedgeAll(),
      }),
      source,
      weight: spec.weight,
      outstanding: 0,
      watchdog,
      served: 0,
      failures: 0,
      conflicts: 0,
      selected: 0,
      draining: false,
      hedging: undefined,
      // Set just below: it points at the member itself.
      routed: undefined as unknown as Choice,
    } satisfies ReplicaMember;
    member.routed = Object.freeze({ reason: 'routed', replica: member });
    // An idle replica connection dying (replica restarted, network cut) must never crash the process.
    const onError = (error: Error) => {
      this.#logger?.warn(
        { replica: name, exception_type: exceptionType(error) },
        `db_routing_replica_error replica=${name} exception_type=${exceptionType(error)}`,
      );
      member.health.recordConnectionError(error);
    };
    pool.on('error', onError);
    this.#poolListeners.set(member, onError);
    const monitored: MonitoredReplica = {
      health: member.health,
      target: createReplicaProbe(spec.config, this.#policy.probeTimeoutMs),
    };
    this.#members.push(member);
    this.#monitored.set(member, monitored);
    void this.#monitor.add(monitored);
    return member;
  }

  /** Discovery answered a new set of addresses: pools for the new ones, drain for the gone ones. */
  #sync(addresses: readonly string[]): void {
    if (this.#ended) return;
    const wanted = new Set(addresses);
    for (const member of [...this.#members]) {
      if (member.source === 'dns' && !wanted.has(member.ref.host)) this.#retire(member);
    }
    const port = this.#discovery!.port;
    for (const address of addresses) {
      if (this.#members.some((m) => m.source === 'dns' && m.ref.host === address)) continue;
      const name = `replica_${address}`;
      this.#add(name, { config: { ...this.#template, host: address, port }, weight: 1 }, 'dns');
      const log = this.#logger?.info ?? this.#logger?.warn;
      log?.call(
        this.#logger,
        { db_routing: 'replica_added', replica: name, source: 'dns' },
        `db_routing_replica_added replica=${name} source=dns`,
      );
    }
  }

  /**
   * Takes a replica out of the set: no new statement goes to it (it is no longer a candidate), its probes stop,
   * and its pool closes once the statements and transactions it is running have ended.
   */
  #retire(member: ReplicaMember): void {
    const index = this.#members.indexOf(member);
    if (index < 0) return;
    this.#members.splice(index, 1);
    member.draining = true;
    this.#draining.add(member);
    const monitored = this.#monitored.get(member);
    this.#monitored.delete(member);
    if (monitored) void this.#monitor.remove(monitored);
    const log = this.#logger?.info ?? this.#logger?.warn;
    log?.call(
      this.#logger,
      { db_routing: 'replica_draining', replica: member.ref.name, outstanding: member.outstanding },
      `db_routing_replica_draining replica=${member.ref.name} outstanding=${member.outstanding}`,
    );
    const startedAt = this.#clock.now();
    const closeWhenIdle = () => {
      if (this.#ended) return;
      if (member.outstanding > 0) {
        this.#clock.unref?.(this.#clock.setTimeout(closeWhenIdle, DRAIN_POLL_MS));
        return;
      }
      // pg-pool's end() closes idle connections now and each checked-out one as it is released.
      void member.pool.end().finally(() => {
        this.#draining.delete(member);
        this.#poolListeners.delete(member);
        const afterMs = Math.round(this.#clock.now() - startedAt);
        log?.call(
          this.#logger,
          { db_routing: 'replica_removed', replica: member.ref.name, after_ms: afterMs },
          `db_routing_replica_removed replica=${member.ref.name} after_ms=${afterMs}`,
        );
      });
    };
    closeWhenIdle();
  }
}
