import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OsAccount } from './os-account.ts';
import { isPostmasterFor } from './postgres-node.ts';

/**
 * Where, as root, a persistent cluster keeps its node folders when the server account cannot reach its
 * `dataDir` (a clone under a 0700 home). A system folder that survives reboots: the system temp folder is
 * tmpfs on Debian 13 and cleaned at boot elsewhere, which lost such clusters without a word.
 */
export const RELOCATION_BASE = '/var/lib/pg-devcluster';

/** Earlier versions relocated here; a cluster found here is moved to {@link RELOCATION_BASE}. */
const LEGACY_BASE = join(tmpdir(), 'pg-devcluster-data');

/** Marker in each relocated folder naming the `dataDir` it belongs to (JSON `{ "dataDir": … }`). */
export const OWNER_MARKER = 'pg-devcluster-owner.json';

function readOwner(storage: string): string | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(storage, OWNER_MARKER), 'utf8')) as { dataDir?: unknown };
    return typeof owner.dataDir === 'string' ? owner.dataDir : undefined;
  } catch {
    return undefined;
  }
}

/** Whether any node folder of `storage` has a live postmaster (never remove data from under a server). */
function serving(storage: string): boolean {
  for (const entry of readdirSync(storage, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const pidFile = join(storage, entry.name, 'postmaster.pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isPostmasterFor(pid, join(storage, entry.name))) return true;
  }
  return false;
}

/**
 * Removes relocated folders whose `dataDir` no longer exists (the clone was deleted): their data cannot be
 * used again (the password lived in that `dataDir`), and under /var/lib nothing else would ever reclaim it.
 * Folders without a marker, or with a server running, are left alone.
 */
function pruneOrphans(base: string): void {
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const storage = join(base, entry.name);
    const owner = readOwner(storage);
    if (owner === undefined || existsSync(owner) || serving(storage)) continue;
    rmSync(storage, { recursive: true, force: true });
  }
}

function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Another filesystem (tmpfs to disk): copy, keeping owners and modes, then remove the original.
    execFileSync('cp', ['-a', from, to]);
    rmSync(from, { recursive: true, force: true });
  }
}

/**
 * The folder for the node folders of the persistent cluster at `root` (its real path) when `account` cannot
 * reach `root`: `<RELOCATION_BASE>/<first 16 hex digits of sha256(root)>`, owned by the account, with an
 * {@link OWNER_MARKER} naming `root`. `previous` is the storage recorded in `cluster.json`, if any:
 *
 * - none: the user removed `root` to start afresh, so an earlier folder of that `root` is stale (its
 *   password is gone) and is removed;
 * - in the legacy temp location, no server running from it: moved here;
 * - anywhere else: kept where it is.
 *
 * Falls back to the legacy temp location when the system folder cannot be created (read-only `/var/lib`);
 * callers print where the data lives. Creating a folder here also prunes orphans of deleted clones.
 */
export function relocatedStorage(root: string, account: OsAccount, previous: string | undefined): string {
  const key = createHash('sha256').update(root).digest('hex').slice(0, 16);
  let base = RELOCATION_BASE;
  try {
    mkdirSync(base, { recursive: true, mode: 0o755 });
  } catch {
    base = LEGACY_BASE;
    mkdirSync(base, { recursive: true, mode: 0o755 });
  }
  const storage = join(base, key);
  if (previous === undefined) rmSync(storage, { recursive: true, force: true });
  else if (previous !== storage) {
    const legacy = previous.startsWith(`${LEGACY_BASE}/`) && existsSync(previous) && !serving(previous);
    if (!legacy) return previous;
    rmSync(storage, { recursive: true, force: true });
    move(previous, storage);
  }
  mkdirSync(storage, { recursive: true, mode: 0o700 });
  lchownSync(storage, account.uid, account.gid);
  writeFileSync(join(storage, OWNER_MARKER), `${JSON.stringify({ dataDir: root })}\n`, { mode: 0o644 });
  if (base === RELOCATION_BASE) pruneOrphans(base);
  return storage;
}
