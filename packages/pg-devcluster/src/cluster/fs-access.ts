import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { OsAccount } from './os-account.ts';

/**
 * Whether `account` can reach `path` (search permission on every ancestor, read on the path itself).
 * Used as root: a clone under a 0700 home directory is invisible to the unprivileged server account.
 */
export function isReachableBy(path: string, account: OsAccount): boolean {
  let current = resolve(path);
  for (;;) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(current);
    } catch {
      return false;
    }
    const bits =
      st.uid === account.uid ? (st.mode >> 6) & 7 : st.gid === account.gid ? (st.mode >> 3) & 7 : st.mode & 7;
    const needed = current === resolve(path) ? (st.isDirectory() ? 5 : 4) : 1;
    if ((bits & needed) !== needed) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}
