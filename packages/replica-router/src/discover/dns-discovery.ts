import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock, TimerHandle } from '../health/clock.ts';
import type { RouterLogger } from '../log/router-logger.ts';

/** Where replicas are found: a name whose A/AAAA records are the replicas, all on one port. */
export interface DiscoveryOptions {
  /** The DNS name (a Kubernetes headless service, a managed reader endpoint). */
  readonly host: string;
  /** The port every address listens on. */
  readonly port: number;
  /** Time between two resolutions. Default 5000. */
  readonly intervalMs?: number;
  /**
   * DNS servers to ask (`ip` or `ip:port`, as `dns.Resolver#setServers` takes them). Default: the system's
   * (from `/etc/resolv.conf`); `/etc/hosts` is not read.
   */
  readonly servers?: readonly string[];
}

/** One resolution's outcome. */
type Answer =
  | { readonly ok: true; readonly addresses: string[] }
  | { readonly ok: false; readonly code: string };

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : error instanceof Error ? error.name : 'Error';
}

/** A resolver that answered "no such record" for one family (the other family may still have some). */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * Re-resolves a name every `intervalMs` and reports the set of addresses when it changes. A failed or empty
 * resolution keeps the last set (the probes still eject dead addresses) and logs one WARN
 * `db_routing_discovery_failed` per run of failures; the next good answer logs INFO `db_routing_discovery_recovered`.
 */
export class DnsDiscovery {
  readonly host: string;
  readonly port: number;
  readonly intervalMs: number;
  readonly #resolver: Resolver | undefined;
  readonly #clock: Clock;
  readonly #logger: RouterLogger | undefined;
  readonly #onChange: (addresses: readonly string[]) => void;
  #current: readonly string[] = [];
  #failing = false;
  #failures = 0;
  #resolutions = 0;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #first: Promise<void> | undefined;

  constructor(
    options: DiscoveryOptions,
    deps: {
      clock: Clock;
      logger: RouterLogger | undefined;
      onChange: (addresses: readonly string[]) => void;
    },
  ) {
    this.host = options.host;
    this.port = options.port;
    this.intervalMs = options.intervalMs ?? 5000;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#onChange = deps.onChange;
    if (isIP(options.host) === 0) {
      // One try with a short timeout: a DNS server that does not answer must not hold up a resolution round.
      this.#resolver = new Resolver({ timeout: Math.min(2000, Math.max(100, this.intervalMs)), tries: 2 });
      if (options.servers && options.servers.length > 0) this.#resolver.setServers([...options.servers]);
    }
  }

  /** The addresses in use (the last good answer). */
  get addresses(): readonly string[] {
    return this.#current;
  }

  /** Counters for the status page. */
  get counts(): { readonly resolutions: number; readonly failures: number; readonly failing: boolean } {
    return { resolutions: this.#resolutions, failures: this.#failures, failing: this.#failing };
  }

  /** Resolves once, then on the schedule. Resolves when the first answer (or failure) is in. */
  start(): Promise<void> {
    this.#first ??= this.#round();
    return this.#first;
  }

  /** Resolve now, outside the schedule (tests; an operator who just changed DNS). */
  async refresh(): Promise<void> {
    await this.#apply(await this.#resolve());
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#resolver?.cancel();
  }

  async #round(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.refresh();
    } catch (error) {
      // Applying an answer failed (a pool could not be made): keep the schedule, the next round tries again.
      this.#logger?.warn(
        { db_routing: 'discovery_failed', host: this.host, exception_type: codeOf(error) },
        `db_routing_discovery_failed host=${this.host} code=${codeOf(error)} kept=${this.#current.length}`,
      );
    }
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => void this.#round(), this.intervalMs);
    this.#clock.unref?.(this.#timer);
  }

  async #resolve(): Promise<Answer> {
    const resolver = this.#resolver;
    if (!resolver) return { ok: true, addresses: [this.host] };
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(this.host), resolver.resolve6(this.host)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (addresses.length > 0) return { ok: true, addresses: [...new Set(addresses)].sort() };
    const errors = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : []));
    // Prefer the cause that says most: a timeout or refusal over "no AAAA records".
    return { ok: false, code: errors.find((c) => !NO_RECORDS.has(c)) ?? errors[0] ?? 'ENODATA' };
  }

  #apply(answer: Answer): void {
    if (this.#stopped) return;
    this.#resolutions++;
    if (!answer.ok) {
      this.#failures++;
      if (!this.#failing) {
        this.#failing = true;
        this.#logger?.warn(
          { db_routing: 'discovery_failed', host: this.host, code: answer.code, kept: this.#current.length },
          `db_routing_discovery_failed host=${this.host} code=${answer.code} kept=${this.#current.length}`,
        );
      }
      return;
    }
    if (this.#failing) {
      this.#failing = false;
      const log = this.#logger?.info ?? this.#logger?.warn;
      log?.call(
        this.#logger,
        { db_routing: 'discovery_recovered', host: this.host, addresses: answer.addresses.length },
        `db_routing_discovery_recovered host=${this.host} addresses=${answer.addresses.length}`,
      );
    }
    const same =
      answer.addresses.length === this.#current.length &&
      answer.addresses.every((a, i) => a === this.#current[i]);
    if (same) return;
    this.#onChange(answer.addresses);
    this.#current = answer.addresses;
  }
}
