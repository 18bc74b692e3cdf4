export {
  DatabaseUrlError,
  DbError,
  type DbErrorCode,
  dbErrorCodes,
  MigrateReplicaError,
  MigrationChangedError,
  MigrationFailedError,
  SeedNotEmptyError,
  SeedReplicaError,
} from './errors.ts';
export { type MigrateOptions, type MigrateResult, migrate } from './migrate.ts';
export type { Queryable } from './queryable.ts';
export { syncIdentitySequences } from './sync-identity-sequences.ts';
export { type AppLabel, tableApps } from './table-apps.ts';
