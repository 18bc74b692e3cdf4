import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

/**
 * A checkout of this repository in a new temp folder of the given mode: a local git clone plus
 * node_modules as hard links (the same files, fast), so tests can run the code from a place with other
 * permissions than the working tree. Returns the temp folder and the clone inside it.
 */
export function checkout(mode: number): { parent: string; clone: string } {
  const parent = mkdtempSync(join(tmpdir(), 'pgdc-checkout-'));
  chmodSync(parent, mode);
  const clone = join(parent, 'clone');
  execFileSync('git', ['clone', '--quiet', '--local', '--no-hardlinks', repoRoot, clone]);
  for (const dir of ['', 'packages/pg-devcluster', 'packages/replica-router', 'apps/perfherder']) {
    const from = join(repoRoot, dir, 'node_modules');
    if (!existsSync(from)) continue;
    try {
      execFileSync('cp', ['-al', from, join(clone, dir, 'node_modules')]);
    } catch {
      execFileSync('cp', ['-a', from, join(clone, dir, 'node_modules')]); // another filesystem: copy
    }
  }
  return { parent, clone };
}
