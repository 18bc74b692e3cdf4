import type { WalPosition } from '../wal/wal-position.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { type HealthPolicy, probeJitter } from './health-policy.ts';
import type { PrimaryPositionHistory } from './primary-position-history.ts';
import type { PrimarySample, ReplicaProbeSample } from './probe-sample.ts';
import type { ProbeTarget } from './probe-target.ts';
import type { ReplicaHealth } from './replica-health.ts';

/** A replica the monitor probes, and the state machine its answers feed. */
export interface MonitoredReplica {
  readonly health: ReplicaHealth;
  readonly target: ProbeTarget<ReplicaProbeSample>;
}

type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly timedOut: boolean; readonly error: unknown };

/**
 * Background probes: one loop per replica, each probe `probeMs` (±20 % jitter) after the previous one ended
 * (`probeMs / readmitProbes` while the replica is out, see {@link HealthMonitor.#intervalMs}).
 * A probe first reads the primary's WAL position (one query shared by replicas probing at the same moment),
 * then the replica's replay state, each bounded by `probeTimeoutMs`; a probe that does not answer in time has
 * its connection dropped. Time and timers come from the injected clock.
 */
export class HealthMonitor {
  readonly #primary: ProbeTarget<WalPosition>;
  readonly #replicas: MonitoredReplica[];
  readonly #policy: HealthPolicy;
  readonly #clock: Clock;
  readonly #history: PrimaryPositionHistory;
  readonly #timers = new Map<MonitoredReplica, TimerHandle>();
  #primaryInFlight: Promise<PrimarySample | undefined> | undefined;
  #primaryFailures = 0;
  #stopped = false;
  #firstRound: Promise<void> | undefined;

  constructor(options: {
    primary: ProbeTarget<WalPosition>;
    replicas: readonly MonitoredReplica[];
    policy: HealthPolicy;
    clock: Clock;
    history: PrimaryPositionHistory;
  }) {
    this.#primary = options.primary;
    this.#replicas = [...options.replicas];
    this.#policy = options.policy;
    this.#clock = options.clock;
    this.#history = options.history;
  }

  /**
   * Starts every loop with an immediate probe. Resolves once each replica's first probe has settled (answered,
   * failed or timed out), so a caller can wait for the first verdicts before routing anything.
   */
  start(): Promise<void> {
    this.#firstRound ??= Promise.all(this.#replicas.map((replica) => this.#cycle(replica))).then(() => {});
    return this.#firstRound;
  }

  /**
   * Starts probing a replica that joined after construction (discovery). Its loop starts at once when the
   * monitor is running; otherwise with the others at {@link start}. Resolves once its first probe settled.
   */
  async add(replica: MonitoredReplica): Promise<void> {
    if (this.#stopped || this.#replicas.includes(replica)) return;
    this.#replicas.push(replica);
    if (this.#firstRound) await this.#cycle(replica);
  }

  /** Stops probing a replica (it left the set) and closes its probe connection. */
  async remove(replica: MonitoredReplica): Promise<void> {
    const index = this.#replicas.indexOf(replica);
    if (index < 0) return;
    this.#replicas.splice(index, 1);
    const handle = this.#timers.get(replica);
    if (handle !== undefined) this.#clock.clearTimeout(handle);
    this.#timers.delete(replica);
    await replica.target.close().catch(() => {});
  }

  /** The primary's last known position. */
  get primary(): PrimarySample | undefined {
    return this.#history.latest;
  }

  /** Consecutive failed reads of the primary's position (0 while it answers). */
  get primaryFailures(): number {
    return this.#primaryFailures;
  }

  /** Probe one replica now, outside its schedule (tests, and a replica just seen failing). */
  async probeNow(replica: MonitoredReplica): Promise<void> {
    await this.#probe(replica);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const handle of this.#timers.values()) this.#clock.clearTimeout(handle);
    this.#timers.clear();
    await Promise.allSettled([this.#primary.close(), ...this.#replicas.map((r) => r.target.close())]);
  }

  async #cycle(replica: MonitoredReplica): Promise<void> {
    if (this.#stopped || !this.#replicas.includes(replica)) return;
    await this.#probe(replica);
    if (this.#stopped || !this.#replicas.includes(replica)) return;
    const spread = 1 + (this.#clock.random() * 2 - 1) * probeJitter;
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(replica);
      void this.#cycle(replica);
    }, this.#intervalMs(replica) * spread);
    // The schedule alone never keeps the process alive (a probe in flight does: its socket is referenced).
    this.#clock.unref?.(handle);
    this.#timers.set(replica, handle);
  }

  /**
   * A replica that is out (ejected, or not a replica) needs `readmitProbes` good probes in a row to come back:
   * it is probed that many times faster, so that it is back within about one interval of its recovery, with no
   * fewer good answers.
   */
  #intervalMs(replica: MonitoredReplica): number {
    const out = replica.health.state === 'ejected' || replica.health.state === 'not_a_replica';
    return out ? this.#policy.probeMs / Math.max(1, this.#policy.readmitProbes) : this.#policy.probeMs;
  }

  async #probe(replica: MonitoredReplica): Promise<void> {
    // The primary first: a replica that has then replayed its position was caught up at that moment.
    const primary = await this.#samplePrimary();
    if (this.#stopped) return;
    const outcome = await this.#bounded(replica.target.probe());
    if (this.#stopped || !this.#replicas.includes(replica)) return;
    if (outcome.ok) replica.health.recordProbe(outcome.value, primary);
    else {
      if (outcome.timedOut) replica.target.reset();
      replica.health.recordProbeFailure(outcome.timedOut ? 'probe_timeout' : 'probe_failed', outcome.error);
    }
  }

  #samplePrimary(): Promise<PrimarySample | undefined> {
    this.#primaryInFlight ??= (async () => {
      const at = this.#clock.now();
      const outcome = await this.#bounded(this.#primary.probe());
      this.#primaryInFlight = undefined;
      if (!outcome.ok) {
        if (outcome.timedOut) this.#primary.reset();
        this.#primaryFailures++;
        return undefined;
      }
      this.#primaryFailures = 0;
      // Stamped with the time the question was asked: the position was read at that moment or later, so the
      // lag it bounds is never understated.
      const sample = { position: outcome.value, at };
      this.#history.record(sample);
      return sample;
    })();
    return this.#primaryInFlight;
  }

  #bounded<T>(work: Promise<T>): Promise<Outcome<T>> {
    return new Promise((resolve) => {
      let settled = false;
      const timer = this.#clock.setTimeout(() => {
        if (settled) return;
        settled = true;
        resolve({ ok: false, timedOut: true, error: undefined });
      }, this.#policy.probeTimeoutMs);
      this.#clock.unref?.(timer);
      work.then(
        (value) => {
          if (settled) return;
          settled = true;
          this.#clock.clearTimeout(timer);
          resolve({ ok: true, value });
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          this.#clock.clearTimeout(timer);
          resolve({ ok: false, timedOut: false, error });
        },
      );
    });
  }
}
