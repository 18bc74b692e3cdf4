/** Extra server settings a caller may pass (`name → value`), written verbatim to the node's config. */
export type ServerSettings = Readonly<Record<string, string | number | boolean>>;

/**
 * Settings for a small cluster on a shared 2-core machine: little memory, streaming replication with a
 * slot per replica, pg_stat_statements for server-side proof of where statements ran, and status
 * messages every second so replay positions are fresh.
 */
export function baseSettings(persistent: boolean): ServerSettings {
  return {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: 60,
    shared_buffers: '32MB',
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    wal_keep_size: '256MB',
    hot_standby: true,
    wal_receiver_status_interval: '1s',
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
    log_min_messages: 'warning',
    log_line_prefix: '%m [%p] %q%u@%d ',
    // Ephemeral clusters are thrown away: durability buys nothing and costs seconds on a busy disk.
    fsync: persistent,
    full_page_writes: persistent,
    synchronous_commit: persistent ? 'on' : 'off',
    dynamic_shared_memory_type: 'mmap',
    huge_pages: 'off',
  };
}

function quote(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

export function renderSettings(settings: ServerSettings): string {
  return `${Object.entries(settings)
    .map(([k, v]) => `${k} = ${quote(v)}`)
    .join('\n')}\n`;
}

export const HBA = [
  '# pg-devcluster: TCP on loopback only, password (SCRAM) for everything',
  'host all all 127.0.0.1/32 scram-sha-256',
  'host replication all 127.0.0.1/32 scram-sha-256',
  '',
].join('\n');
