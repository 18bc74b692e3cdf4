export { type PostgresBinaries, resolvePostgresBinaries } from './binaries/postgres-binaries.ts';
export type {
  Cluster,
  ClusterNode,
  ClusterStatus,
  ClusterUrls,
  ReplicaNode,
  ReplicaStatus,
} from './cluster/cluster.ts';
export { dataLocation } from './cluster/data-location.ts';
export type { ServerSettings } from './cluster/node-config.ts';
export type { StopMode } from './cluster/postgres-node.ts';
export { type StartClusterOptions, startCluster } from './cluster/start-cluster.ts';
export { DevClusterError, devClusterErrorCodes } from './errors.ts';
export { createTcpProxy, type ProxyMode, type TcpProxy } from './faults/tcp-proxy.ts';
export {
  CLUSTER_URLS_ENV,
  type CreateTestDatabaseOptions,
  createTestDatabase,
  type TestDatabase,
} from './test-database/create-test-database.ts';
