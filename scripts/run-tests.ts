/**
 * Runs every `*.test.ts` under packages/, apps/ and test/ with node's test runner.
 * Node 20 has no glob support in `--test`, so the files are listed here.
 * Usage: npm run test:unit -- [substring filter...]
 *
 * Workspace packages resolve to their TypeScript sources through the `@perfherder/source` export
 * condition (docs/packaging.md). It is passed to the runner and, through NODE_OPTIONS, to every node
 * process a test starts, so no test ever loads a build left in a package's dist/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(path));
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = ['packages', 'apps', 'test']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => findTests(join(root, d)))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const SOURCE_CONDITION = '--conditions=@perfherder/source';
const nodeOptions = [process.env.NODE_OPTIONS, SOURCE_CONDITION].filter(Boolean).join(' ');

const result = spawnSync(
  process.execPath,
  [
    SOURCE_CONDITION,
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-timeout=600000', // a whole file's run: a hang guard, loose enough for a loaded machine
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } },
);
process.exit(result.status ?? 1);
