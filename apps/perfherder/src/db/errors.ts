/**
 * Error registry of the data layer. Every class carries a stable `code` and keeps the underlying error
 * as `cause`; messages name files and settings, never connection strings or secrets.
 */

/** Stable codes of the data-layer errors, for `switch` and for the docs. */
export const dbErrorCodes = {
  migrateReplica: 'PH_ERR_MIGRATE_REPLICA',
  migrationChanged: 'PH_ERR_MIGRATION_CHANGED',
  migrationFailed: 'PH_ERR_MIGRATION_FAILED',
  databaseUrl: 'PH_ERR_DATABASE_URL',
  seedReplica: 'PH_ERR_SEED_REPLICA',
  seedNotEmpty: 'PH_ERR_SEED_NOT_EMPTY',
} as const;

/** One of {@link dbErrorCodes}. */
export type DbErrorCode = (typeof dbErrorCodes)[keyof typeof dbErrorCodes];

/** Base class of every data-layer error. */
export class DbError extends Error {
  readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** The migration runner was pointed at a server in recovery (a replica); migrations only run on a primary. */
export class MigrateReplicaError extends DbError {
  constructor() {
    super(
      dbErrorCodes.migrateReplica,
      'refusing to migrate: the server is in recovery (a read replica); point the runner at the primary',
    );
  }
}

/** A migration file that was already applied no longer has the checksum recorded when it ran. */
export class MigrationChangedError extends DbError {
  readonly migration: string;

  constructor(migration: string) {
    super(
      dbErrorCodes.migrationChanged,
      `migration ${migration} was changed after it was applied; add a new migration file instead`,
    );
    this.migration = migration;
  }
}

/** A migration file failed; its transaction was rolled back. The server's error is the `cause`. */
export class MigrationFailedError extends DbError {
  readonly migration: string;

  constructor(migration: string, cause: unknown) {
    super(dbErrorCodes.migrationFailed, `migration ${migration} failed and was rolled back`, { cause });
    this.migration = migration;
  }
}

/** `DATABASE_URL` (or another named setting) is missing or not a PostgreSQL URL. */
export class DatabaseUrlError extends DbError {
  readonly variable: string;

  constructor(variable: string, problem: 'missing' | 'invalid') {
    super(
      dbErrorCodes.databaseUrl,
      problem === 'missing'
        ? `${variable} is not set; set it to a postgres:// URL of the primary`
        : `${variable} is not a PostgreSQL URL (expected postgres:// or postgresql://)`,
    );
    this.variable = variable;
  }
}

/** The seed was pointed at a server in recovery (a read replica); it only writes to a primary. */
export class SeedReplicaError extends DbError {
  constructor() {
    super(
      dbErrorCodes.seedReplica,
      'refusing to seed: the server is in recovery (a read replica); use the primary',
    );
  }
}

/** The seed only fills an empty database, because it assigns ids itself. */
export class SeedNotEmptyError extends DbError {
  readonly table: string;

  constructor(table: string) {
    super(
      dbErrorCodes.seedNotEmpty,
      `refusing to seed: table ${table} already has rows; seed a freshly migrated database`,
    );
    this.table = table;
  }
}
