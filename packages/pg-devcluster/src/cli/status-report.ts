import type { ClusterStatus } from '../cluster/cluster.ts';
import { redactUrl } from '../redact-url.ts';
import { formatTable } from './format-table.ts';

const HEADER = ['node', 'url', 'running', 'state', 'lsn', 'lag bytes', 'lag ms'];
const NUMERIC = new Set([5, 6]);

/** The status with every URL's password replaced by `***`: what the CLI prints, as text or JSON. */
export function redactedStatus(status: ClusterStatus): ClusterStatus {
  return {
    primary: { ...status.primary, url: redactUrl(status.primary.url) },
    replicas: status.replicas.map((r) => ({ ...r, url: redactUrl(r.url) })),
  };
}

/**
 * The status as a table a person reads. `-` marks what has no value: the primary has no replay lag by
 * design, a stopped server has no state or LSN, an idle replica's `replay_lag` is unknown.
 */
export function statusTable(status: ClusterStatus): string {
  const { primary, replicas } = redactedStatus(status);
  const yesNo = (running: boolean) => (running ? 'yes' : 'no');
  const rows = [
    [
      'primary',
      primary.url,
      yesNo(primary.running),
      primary.running ? 'primary' : '-',
      primary.currentLsn ?? '-',
      '-',
      '-',
    ],
    ...replicas.map((r) => [
      r.name,
      r.url,
      yesNo(r.running),
      r.state ?? '-',
      r.replayLsn ?? '-',
      r.lagBytes === null ? '-' : String(r.lagBytes),
      r.lagMs === null ? '-' : r.lagMs.toFixed(1),
    ]),
  ];
  return formatTable(HEADER, rows, NUMERIC);
}
