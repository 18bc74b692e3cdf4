import { tmpdir } from 'node:os';
import type { Cluster } from './cluster.ts';

/**
 * One line saying where a cluster's data lives, for start-up output (`pg-devcluster up`, `npm start`): the
 * folder, the relocated node folders when there are any, and a warning when the data sits in the system temp
 * folder although it should outlive the process.
 */
export function dataLocation(cluster: Pick<Cluster, 'dataDir' | 'storage' | 'persistent'>): string {
  if (!cluster.persistent) return `data: ${cluster.dataDir} (temporary: removed on stop)`;
  if (cluster.storage === cluster.dataDir) return `data: ${cluster.dataDir}`;
  const volatile = cluster.storage.startsWith(`${tmpdir()}/`)
    ? '; WARNING: under the temp folder, which a reboot may clear'
    : '';
  return `data: ${cluster.dataDir} (cluster.json), node folders in ${cluster.storage} (the server account cannot reach ${cluster.dataDir}${volatile})`;
}
