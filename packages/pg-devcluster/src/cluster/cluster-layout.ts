import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';
import { isReachableBy } from './fs-access.ts';
import type { OsAccount } from './os-account.ts';
import { relocatedStorage } from './relocated-storage.ts';

/** What a persistent cluster remembers between runs (`cluster.json`, mode 0600). */
export interface ClusterState {
  readonly formatVersion: 1;
  readonly majorVersion: number;
  /** Superuser password: generated once, never printed. */
  readonly password: string;
  /** Where the node folders live (differs from the root when the root is unreachable by the server account). */
  readonly storage: string;
  readonly ports: Record<string, number>;
}

/** Where things live on disk for one cluster. */
export interface ClusterLayout {
  readonly root: string;
  readonly storage: string;
  readonly persistent: boolean;
  readonly stateFile: string;
  nodeDir(name: string): string;
  logFile(name: string): string;
}

/** Write a file and hand it to the server account (when root), so the server can read and replace it. */
export function writeOwned(path: string, content: string, account: OsAccount | null, mode = 0o600): void {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  if (account) lchownSync(path, account.uid, account.gid);
}

function ensureDir(path: string, account: OsAccount | null, mode = 0o700): void {
  mkdirSync(path, { recursive: true, mode });
  if (account) lchownSync(path, account.uid, account.gid);
}

/**
 * Picks the folders. Ephemeral: a fresh temp folder. Persistent: `dataDir`, except that as root, when
 * the server account cannot reach `dataDir` (a clone under a 0700 home), node folders go to a reachable
 * folder under /var/lib (see `relocatedStorage`), recorded in `cluster.json` so the next start and `down`
 * find them.
 */
export function planLayout(dataDir: string | undefined, account: OsAccount | null): ClusterLayout {
  let root: string;
  let storage: string;
  const persistent = dataDir !== undefined;
  if (dataDir === undefined) {
    root = mkdtempSync(join(tmpdir(), 'pg-devcluster-'));
    if (account) lchownSync(root, account.uid, account.gid);
    storage = root;
  } else {
    root = resolve(dataDir);
    // Parents we create (e.g. `.data/`) stay traversable; the cluster folder itself is private.
    mkdirSync(dirname(root), { recursive: true, mode: 0o755 });
    mkdirSync(root, { recursive: true, mode: 0o700 });
    root = realpathSync(root);
    const previous = readState(join(root, 'cluster.json'));
    // Our own folder under a reachable parent: hand it to the server account rather than relocating.
    if (!previous && account && isReachableBy(dirname(root), account))
      lchownSync(root, account.uid, account.gid);
    if (!account || (previous ? previous.storage === root : isReachableBy(root, account)))
      storage = previous?.storage ?? root;
    else storage = relocatedStorage(root, account, previous?.storage);
    if (account && storage === root) lchownSync(root, account.uid, account.gid);
    ensureDir(storage, account);
  }
  ensureDir(join(storage, 'logs'), account, 0o755);
  return {
    root,
    storage,
    persistent,
    stateFile: join(root, 'cluster.json'),
    nodeDir: (name) => join(storage, name),
    logFile: (name) => join(storage, 'logs', `${name}.log`),
  };
}

export function readState(file: string): ClusterState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
    if (state.formatVersion !== 1) throw new Error(`format ${String(state.formatVersion)}`);
    return state;
  } catch (error) {
    throw new DevClusterError(
      devClusterErrorCodes.invalidState,
      `cannot read ${file}; remove the folder to start afresh`,
      { cause: error },
    );
  }
}

export function writeState(file: string, state: ClusterState): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}
