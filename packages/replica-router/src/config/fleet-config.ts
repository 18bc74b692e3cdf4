import { isIP } from 'node:net';
import { RouterConfigError } from '../errors.ts';
import { MAX_REPLICA_WEIGHT } from '../select/replica-selector.ts';
import { type SelectorName, selectorNames } from '../select/selector-name.ts';

/** `READ_REPLICA_DISCOVERY` and `READ_REPLICA_DISCOVERY_DNS_SERVERS`, parsed. */
export interface DiscoveryConfig {
  /** The DNS name whose A/AAAA records are the replicas (or an IP address: a set of one). */
  readonly host: string;
  readonly port: number;
  /** DNS servers to ask (`ip` or `ip:port`); empty: the system's. */
  readonly servers: readonly string[];
}

/** A DNS name (labels of letters, digits, `-` and `_`), or an IP address (IPv6 in brackets). */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?):(\d{1,5})$/;

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/** `READ_REPLICA_SELECTOR`: a built-in selector's name (any case); default `round_robin`. */
export function selectorVariable(raw: string | undefined): SelectorName {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '') return 'round_robin';
  const name = selectorNames.find((n) => n === value);
  if (!name) {
    throw new RouterConfigError(
      'READ_REPLICA_SELECTOR',
      `must be one of ${selectorNames.join(', ')} (got "${raw}")`,
    );
  }
  return name;
}

/** `READ_REPLICA_WEIGHTS`: comma-separated integers, one per replica URL. */
export function weightsVariable(raw: string | undefined, replicaCount: number): number[] | undefined {
  const value = raw?.trim() ?? '';
  if (value === '') return undefined;
  const entries = value.split(',').map((s) => s.trim());
  const bad = entries.find((e) => !/^\d+$/.test(e) || Number(e) < 1 || Number(e) > MAX_REPLICA_WEIGHT);
  if (bad !== undefined) {
    throw new RouterConfigError(
      'READ_REPLICA_WEIGHTS',
      `must be integers from 1 to ${MAX_REPLICA_WEIGHT} separated by commas, one per replica (got "${raw}")`,
    );
  }
  if (entries.length !== replicaCount) {
    throw new RouterConfigError(
      'READ_REPLICA_WEIGHTS',
      `has ${entries.length} weights for ${replicaCount} replica URLs in READ_REPLICA_DATABASE_URL; give one per URL, in the same order`,
    );
  }
  return entries.map(Number);
}

/** `READ_REPLICA_DISCOVERY` (`<hostname>:<port>`) and its DNS servers; undefined when unset. */
export function discoveryVariables(
  raw: string | undefined,
  serversRaw: string | undefined,
): DiscoveryConfig | undefined {
  const value = raw?.trim() ?? '';
  const servers = (serversRaw?.trim() ?? '') === '' ? [] : serversRaw!.split(',').map((s) => s.trim());
  for (const server of servers) {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(server);
    const port = match?.[2] === undefined ? 53 : Number(match[2]);
    if (!match || isIP(unbracket(match[1]!)) === 0 || port < 1 || port > 65_535) {
      throw new RouterConfigError(
        'READ_REPLICA_DISCOVERY_DNS_SERVERS',
        `must be IP addresses, each optionally with :port ([v6]:port), separated by commas (got "${serversRaw}")`,
      );
    }
  }
  if (value === '') {
    if (servers.length > 0) {
      throw new RouterConfigError(
        'READ_REPLICA_DISCOVERY_DNS_SERVERS',
        'is set but READ_REPLICA_DISCOVERY is not',
      );
    }
    return undefined;
  }
  const match = HOST_PORT.exec(value);
  const port = Number(match?.[2]);
  const host = match ? unbracket(match[1]!) : '';
  if (!match || port < 1 || port > 65_535 || (match[1]!.startsWith('[') && isIP(host) !== 6)) {
    throw new RouterConfigError(
      'READ_REPLICA_DISCOVERY',
      `must be <hostname>:<port>, e.g. db-replicas.prod.svc.cluster.local:5432 (got "${raw}")`,
    );
  }
  return { host, port, servers };
}
