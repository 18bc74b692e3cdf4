import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Cluster, dataLocation, startCluster } from 'pg-devcluster';
import { redactUrl } from 'replica-router';
import { build } from './app.ts';
import { seedProgressReporter } from './cli/seed-progress.ts';
import type { ServiceConfig } from './config/service-config.ts';
import { tokenSecretFromFile } from './config/token-secret-file.ts';
import { createServicePool } from './db/create-service-pool.ts';
import { dbErrorCodes } from './db/errors.ts';
import { migrate } from './db/migrate.ts';
import { seed } from './seed/index.ts';

export interface RunningService {
  readonly app: FastifyInstance;
  readonly cluster: Cluster | undefined;
  readonly url: string;
  stop(): Promise<void>;
}

/** `.data/` at the repository root: where `npm start` keeps its dev cluster and its causal-token secret. */
const DATA_DIR = join(import.meta.dirname, '..', '..', '..', '.data');
const DEV_DATA_DIR = join(DATA_DIR, 'cluster');
const TOKEN_SECRET_FILE = join(DATA_DIR, 'token-secret');

/**
 * Starts the service. Without DATABASE_URL: boots the dev cluster (primary + replicas) under `.data/`,
 * migrates, seeds the small data set when the database is empty, and enables routing. With
 * DATABASE_URL: uses it (and the replica variables) and starts no cluster.
 */
export async function startService(
  config: ServiceConfig,
  say: (line: string) => void,
): Promise<RunningService> {
  let cluster: Cluster | undefined;
  let primaryUrl = config.router.primaryUrl;
  let replicaUrls = config.router.replicaUrls;
  if (primaryUrl === undefined) {
    say(`DATABASE_URL is not set: starting the dev cluster (primary + ${config.devReplicas} replica)`);
    cluster = await startCluster({
      replicas: config.devReplicas,
      dataDir: config.devDataDir ?? DEV_DATA_DIR,
    });
    say(dataLocation(cluster));
    const urls = await cluster.createDatabase('perfherder');
    primaryUrl = urls.primary;
    replicaUrls = urls.replicas;
  }
  try {
    const { applied } = await migrate(primaryUrl);
    if (applied.length > 0) say(`migrated: ${applied.join(', ')}`);
    if (cluster) {
      const progress = seedProgressReporter(process.stderr.isTTY === true, say);
      try {
        const counts = await seed(primaryUrl, { size: 'small', seed: 1, onProgress: progress.update });
        progress.stop();
        say(`seeded the small data set: ${counts.performance_datum ?? 0} datums`);
      } catch (error) {
        progress.stop();
        if ((error as { code?: string }).code !== dbErrorCodes.seedNotEmpty) throw error;
      }
      await cluster.waitForReplicas({ timeoutMs: 120_000 });
    }
    let tokenSecret = config.router.tokenSecret?.reveal();
    // Tokens are signed only when routing is on (the replica alias exists).
    if (tokenSecret === undefined && (replicaUrls.length > 0 || config.router.discovery)) {
      const kept = tokenSecretFromFile(TOKEN_SECRET_FILE);
      tokenSecret = kept.secret;
      say(`tokens:   causal-token secret ${kept.created ? 'created in' : 'read from'} .data/token-secret`);
    }
    // The pool logs through the service's logger: an idle replica connection failing is a WARN line.
    const app = await build({
      pool: (logger) => createServicePool({ ...config.router, primaryUrl, replicaUrls, tokenSecret }, logger),
      closePool: true,
      logger: { level: config.logLevel },
      alertReplicaReads: config.alertReplicaReads,
      corsAllowedOrigins: config.corsAllowedOrigins,
      gzipLevel: config.gzipLevel,
      answerMemoBytes: config.answerMemoBytes,
    });
    const pool = app.db;
    const address = await app.listen({ port: config.port, host: config.host });
    const stop = async () => {
      await app.close();
      await cluster?.stop();
    };
    say(`primary:  ${redactUrl(primaryUrl)}`);
    for (const r of replicaUrls) say(`replica:  ${redactUrl(r)}`);
    const discovery = config.router.discovery;
    if (discovery) say(`replicas: from DNS ${discovery.host}:${discovery.port}`);
    const fleet = discovery ? 'replicas from DNS' : `${replicaUrls.length} replica`;
    say(
      `routing:  ${pool.routingEnabled ? `on (${fleet}, ${pool.stats().selector}), consistency ${pool.consistency}` : 'off (everything on the primary)'}`,
    );
    say(`API:      ${address}/api/performance/framework/`);
    say(`docs:     ${address}/docs`);
    say(`status:   ${address}/status/ (JSON: ${address}/api/status/routing/)`);
    say(`try:      curl '${address}/api/project/mozilla-central/performance/platforms/'`);
    return { app, cluster, url: address, stop };
  } catch (error) {
    await cluster?.stop();
    throw error;
  }
}
