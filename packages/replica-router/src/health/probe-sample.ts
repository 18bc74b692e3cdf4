import type { WalPosition } from '../wal/wal-position.ts';

/** What one probe of a replica read from the server. */
export interface ReplicaProbeSample {
  /** `pg_is_in_recovery()`: false means the server is not a replica (promoted, or a wrong URL). */
  readonly inRecovery: boolean;
  /** `pg_last_wal_replay_lsn()`: how far it has replayed (what its reads see). */
  readonly replayPosition: WalPosition | undefined;
  /** `pg_last_wal_receive_lsn()`: how far it has received. */
  readonly receivePosition: WalPosition | undefined;
  /**
   * Milliseconds between the server's clock now and the commit time of the last transaction it replayed
   * (`pg_last_xact_replay_timestamp()`); undefined before the first replayed commit. Grows while the primary
   * is idle, so it is only an upper bound of the lag.
   */
  readonly replayAgeMs: number | undefined;
  /** `pg_get_wal_replay_pause_state()` is not `not paused`. */
  readonly replayPaused: boolean;
}

/** The primary's WAL position at a moment of our clock. */
export interface PrimarySample {
  readonly position: WalPosition;
  /** When it was read (ms since the epoch, the monitor's clock). */
  readonly at: number;
}
