import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { ClusterStatus } from './cluster.ts';
import { readState } from './cluster-layout.ts';
import { isPostmasterFor } from './postgres-node.ts';

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isPostmasterFor(pid, dataDir) ? pid : undefined;
}

function nodeNames(ports: Record<string, number>): string[] {
  return Object.keys(ports).sort((a, b) => (a === 'primary' ? -1 : b === 'primary' ? 1 : a.localeCompare(b)));
}

/**
 * Stops the servers of a persistent cluster started by another process (`pg-devcluster down`, or
 * orphans of a crashed run found at start-up):
 * replicas first, fast shutdown, waiting until each postmaster is gone.
 */
export async function stopClusterAt(dataDir: string): Promise<string[]> {
  const state = readState(join(dataDir, 'cluster.json'));
  if (!state) return [];
  const stopped: string[] = [];
  const names = nodeNames(state.ports).reverse(); // replicas before the primary
  for (const name of names) {
    const pid = postmasterPid(join(state.storage, name));
    if (pid === undefined) continue;
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 600 && postmasterPid(join(state.storage, name)) !== undefined; i++) await sleep(50);
    stopped.push(name);
  }
  return stopped;
}

async function ask(url: string, sql: string): Promise<Record<string, unknown>[] | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Status of a persistent cluster from its `cluster.json`, whichever process runs it. URLs carry no password. */
export async function clusterStatusAt(dataDir: string): Promise<ClusterStatus | undefined> {
  const state = readState(join(dataDir, 'cluster.json'));
  if (!state) return undefined;
  const url = (port: number, withPassword: boolean) =>
    `postgres://postgres${withPassword ? `:${encodeURIComponent(state.password)}` : ''}@127.0.0.1:${port}/postgres`;
  const primaryPort = state.ports.primary ?? 0;
  const lsn = await ask(url(primaryPort, true), 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
  const rows =
    (await ask(
      url(primaryPort, true),
      `SELECT application_name, state, replay_lsn::text AS replay_lsn,
              pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes,
              (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms
         FROM pg_stat_replication`,
    )) ?? [];
  return {
    primary: {
      url: url(primaryPort, false),
      running: lsn !== undefined,
      currentLsn: (lsn?.[0]?.lsn as string) ?? null,
    },
    replicas: nodeNames(state.ports)
      .filter((n) => n !== 'primary')
      .map((name) => {
        const row = rows.find((r) => r.application_name === name);
        return {
          name,
          url: url(state.ports[name] ?? 0, false),
          running: postmasterPid(join(state.storage, name)) !== undefined,
          state: (row?.state as string | undefined) ?? null,
          replayLsn: (row?.replay_lsn as string | null | undefined) ?? null,
          lagBytes: (row?.lag_bytes as number | null | undefined) ?? null,
          lagMs: (row?.lag_ms as number | null | undefined) ?? null,
        };
      }),
  };
}
