import type pg from 'pg';
import { parse } from 'pg-connection-string';

/** Where a pool connects, for events and status (no password). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/**
 * Turns a URL (or a pg config) into a pg.PoolConfig with the password as a separate field, so
 * pg-pool and pg.Client keep it non-enumerable and it never shows up in `inspect` or JSON output
 * (a `connectionString` would carry it in plain sight).
 */
export function toPoolConfig(source: string | pg.PoolConfig, extra: pg.PoolConfig): pg.PoolConfig {
  if (typeof source !== 'string') return { ...source, ...extra };
  const parsed = parse(source);
  const config: pg.PoolConfig = { ...extra };
  if (parsed.host) config.host = parsed.host;
  if (parsed.port) config.port = Number(parsed.port);
  if (parsed.user) config.user = parsed.user;
  if (parsed.password) config.password = parsed.password;
  if (parsed.database) config.database = parsed.database;
  if (parsed.ssl !== undefined && parsed.ssl !== null) config.ssl = parsed.ssl as pg.PoolConfig['ssl'];
  if (parsed.application_name) config.application_name = parsed.application_name;
  return config;
}

export function endpointOf(config: pg.PoolConfig): Endpoint {
  return {
    host: config.host ?? 'localhost',
    port: Number(config.port ?? 5432),
    database: config.database ?? '',
  };
}
