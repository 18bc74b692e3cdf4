import { readdirSync, readFileSync } from 'node:fs';

/** State letter and parent pid of `pid` from `/proc/<pid>/stat`, or undefined when it is gone. */
function statOf(pid: number): { state: string; parent: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Whether `pid` is stopped by a signal (state `T`), or gone. */
export function stoppedOrGone(pid: number): boolean {
  const stat = statOf(pid);
  return stat === undefined || stat.state === 'T' || stat.state === 'Z';
}

/**
 * `root` and every process below it (children, their children…), from a scan of the parent pids in /proc.
 * Linux only; elsewhere `[root]`.
 */
export function processTree(root: number): number[] {
  if (process.platform !== 'linux') return [root];
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const parent = statOf(pid)?.parent;
    if (parent === undefined) continue;
    const list = children.get(parent);
    if (list) list.push(pid);
    else children.set(parent, [pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] as number) ?? []));
  return tree;
}

/** Send `signal` to each of `pids`, ignoring the ones already gone. */
export function signalEach(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}
