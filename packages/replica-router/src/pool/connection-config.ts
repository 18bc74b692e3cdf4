import type pg from 'pg';
import { parse } from 'pg-connection-string';

/** Where a pool connects, for events and status (no password). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/**
 * Turns a URL (or a pg config, with or without a `connectionString`) into a pg.PoolConfig with the password as a
 * separate field, so pg-pool and pg.Client keep it non-enumerable and it never shows up in `inspect` or JSON
 * output (a `connectionString` would carry it in plain sight). A config's `connectionString` is parsed the way pg
 * reads it: what the URL gives wins over the config's own fields, the config's other settings are kept.
 */
export function toPoolConfig(source: string | pg.PoolConfig, extra: pg.PoolConfig): pg.PoolConfig {
  if (typeof source === 'string') return { ...extra, ...fromUrl(source) };
  const { connectionString, ...rest } = source;
  if (connectionString === undefined) return { ...source, ...extra };
  return { ...rest, ...fromUrl(connectionString), ...extra };
}

/** The connection fields a URL sets (only those it has). */
function fromUrl(url: string): pg.PoolConfig {
  const parsed = parse(url);
  const config: pg.PoolConfig = {};
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
