import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';

/** The operating-system account PostgreSQL runs as when we are root. */
export interface OsAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const DEFAULT_ACCOUNT = 'pgdevcluster';

function lookup(name: string): OsAccount | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  return undefined;
}

let cached: OsAccount | null | undefined;

/**
 * PostgreSQL refuses to run as root. When this process is root, returns the unprivileged account the
 * servers run as: `PG_DEVCLUSTER_USER` if set, else a `pgdevcluster` system account (created on first
 * use with `useradd`), else `nobody`. Returns null when we are not root: servers then run as us.
 */
export function resolveOsAccount(): OsAccount | null {
  if (cached !== undefined) return cached;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    cached = null;
    return cached;
  }
  const wanted = process.env.PG_DEVCLUSTER_USER;
  if (wanted !== undefined && wanted !== '') {
    const found = lookup(wanted);
    if (!found || found.uid === 0) {
      throw new DevClusterError(
        devClusterErrorCodes.invalidOption,
        `PG_DEVCLUSTER_USER=${wanted} is not an existing unprivileged account`,
      );
    }
    cached = found;
    return cached;
  }
  let account = lookup(DEFAULT_ACCOUNT);
  if (!account) {
    try {
      execFileSync(
        'useradd',
        [
          '--system',
          '--no-create-home',
          '--home-dir',
          '/nonexistent',
          '--shell',
          '/usr/sbin/nologin',
          DEFAULT_ACCOUNT,
        ],
        { stdio: 'ignore' },
      );
    } catch {
      // useradd missing or refused (e.g. read-only /etc): fall back to nobody below.
    }
    account = lookup(DEFAULT_ACCOUNT) ?? lookup('nobody');
  }
  if (!account) {
    throw new DevClusterError(
      devClusterErrorCodes.noAccount,
      'running as root, and no unprivileged account to run PostgreSQL as: set PG_DEVCLUSTER_USER',
    );
  }
  cached = account;
  return cached;
}
