/** What bench/peers.ts saves (bench/results/peers.json), as the report reads it. */
import type { RunEnvironment } from './markdown.ts';
import type { InterleavedResults } from './peers-interleaved.ts';
import type { PhasedResults } from './peers-phased.ts';

export interface PeersRow {
  readonly workload: 'point' | 'endpoint';
  readonly concurrency: number;
  readonly peer: string;
  readonly server: 'primary' | 'replica';
  readonly ratios: readonly number[];
  readonly opsPerSecMedian: number;
  readonly ratioMedian: number;
  readonly p50MicrosMedian: number;
  readonly p99MicrosMedian: number;
  readonly addedP50MicrosMedian: number;
  readonly addedP99MicrosMedian: number;
  readonly cpuMicrosMedian?: number;
  readonly addedCpuMicrosMedian?: number;
  /** Connections the servers accepted during the peer's timed runs; absent in results saved before it was counted. */
  readonly connectionsOpened?: number;
}

export interface PeersResults extends RunEnvironment {
  readonly rounds: number;
  readonly runMs: number;
  /** The untimed run before each timed one (ms); absent in results saved before it existed. */
  readonly warmMs?: number;
  /** `balanced`: the peers' order after a Williams design; absent in results saved before (a rotation). */
  readonly order?: 'balanced';
  /** pg-pool's idle timeout of every pool (0: idle connections kept); absent in results saved before it was set. */
  readonly idleTimeoutMillis?: number;
  readonly poolMax: number;
  readonly targetRatio: number;
  readonly floor: string;
  /** The A/A control: the floor's own code and pool run as a peer; absent in results saved before it ran. */
  readonly control?: string;
  /** The peers that read through the floor's own pool; absent in results saved before they did. */
  readonly onFloorPool?: readonly string[];
  readonly statements: { readonly point: string; readonly endpoint: string };
  readonly versions?: Readonly<Record<string, string>>;
  readonly skipped: readonly { readonly peer: string; readonly reason: string }[];
  readonly served?: Readonly<Record<string, { readonly primary: number; readonly replica: number }>>;
  readonly rows: readonly PeersRow[];
  /** One client, statement by statement; absent in results saved before it ran. */
  readonly interleaved?: InterleavedResults;
  /** 16 and 64 clients, each peer and the floor in alternating phases; absent in results saved before it ran. */
  readonly phased?: PhasedResults;
}

export const WORKLOAD_TITLE = {
  point: 'point query by primary key',
  endpoint: 'platforms endpoint statement',
} as const;
