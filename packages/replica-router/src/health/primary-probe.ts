import type pg from 'pg';
import { parseWalPosition, type WalPosition } from '../wal/wal-position.ts';
import { ProbeConnection } from './probe-connection.ts';
import type { ProbeTarget } from './probe-target.ts';

/** The primary's written WAL position: what its replicas can have received, and so replayed, at most. */
export const PRIMARY_PROBE_SQL = 'SELECT /* replica-router probe */ pg_current_wal_lsn()::text AS position';

/** The probe of the primary's WAL position, on its own connection. Fails on a server in recovery. */
export function createPrimaryProbe(config: pg.ClientConfig, timeoutMs: number): ProbeTarget<WalPosition> {
  const connection = new ProbeConnection(config, timeoutMs);
  return {
    async probe() {
      const [row] = await connection.query<{ position: string }>(PRIMARY_PROBE_SQL);
      const position = parseWalPosition(row?.position);
      if (position === undefined) throw new Error('the primary probe returned no WAL position');
      return position;
    },
    reset: () => connection.reset(),
    close: () => connection.close(),
  };
}
