import { readFileSync } from 'node:fs';

/**
 * Whether `pid` is a live process. A zombie counts as dead: in a container whose init does not reap,
 * an orphaned postmaster that exited stays a zombie forever, and `kill(pid, 0)` still succeeds on it.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
