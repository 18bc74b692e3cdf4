/**
 * replica-router and pg-devcluster as a stranger gets them: each package is packed with `npm pack` (its
 * prepack builds it), both tarballs are installed into an empty project, and then, with plain Node and
 * without this repository's source condition:
 * - the node:test recipe (consumer/run-tests.mjs) starts a primary and a replica with pg-devcluster and
 *   runs two test files, each on a database of its own; one routes a read to the replica and a write to
 *   the primary with RoutedPool, as the servers themselves report;
 * - `npx pg-devcluster` runs the installed command (up --detach --json, status, status --json, down);
 * - a TypeScript consumer type-checks against the shipped .d.ts (strict, nodenext, skipLibCheck off);
 * - the packed file lists hold what is meant to ship, and nothing else;
 * - `npm publish --dry-run` accepts both packages.
 * Installs prefer the npm cache: the PostgreSQL binaries package and every dependency are pinned to the
 * versions this workspace has installed, which `npm ci` has just put in the cache.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..', '..');
const PACKAGES = ['replica-router', 'pg-devcluster'] as const;
type PackageName = (typeof PACKAGES)[number];
const exec = promisify(execFile);
const require = createRequire(join(root, 'package.json'));

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

/**
 * The environment of a stranger's shell: without the workspace's NODE_OPTIONS (the source condition),
 * the npm_* variables `npm test` sets for its own scripts, and NODE_TEST_CONTEXT (set by node's test
 * runner for this file; a nested `node --test` would report to it instead of printing).
 */
function strangerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const own = (k: string) => k.startsWith('npm_') || k === 'NODE_OPTIONS' || k === 'NODE_TEST_CONTEXT';
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !own(k)));
  return { ...env, ...extra };
}

async function run(cmd: string, args: string[], cwd: string, env = strangerEnv()) {
  try {
    return await exec(cmd, args, { cwd, env, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
      cause: error,
    });
  }
}

/**
 * The version of `name` installed here: the one a workspace package resolves when given (its own nested copy
 * wins over the hoisted one, as in Node's resolution), else the hoisted one.
 */
function installedVersion(name: string, from?: PackageName): string | undefined {
  const candidates = [
    ...(from ? [join(root, 'packages', from, 'node_modules', name, 'package.json')] : []),
    join(root, 'node_modules', name, 'package.json'),
  ];
  const file = candidates.find((f) => existsSync(f));
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined;
}

function manifest(name: PackageName): Record<string, Record<string, string>> {
  return JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
}

let work: string;
let consumer: string;
const packed = {} as Record<PackageName, PackResult>;
const distExisted = new Set<PackageName>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'packaging-'));
  consumer = join(work, 'consumer');
  for (const name of PACKAGES) if (existsSync(join(root, 'packages', name, 'dist'))) distExisted.add(name);
  // Both packs (each runs its prepack: a clean tsc build) side by side.
  await Promise.all(
    PACKAGES.map(async (name) => {
      const { stdout } = await run(
        'npm',
        ['pack', '--json', '--pack-destination', work],
        join(root, 'packages', name),
      );
      packed[name] = (JSON.parse(stdout) as PackResult[])[0]!;
    }),
  );
  cpSync(join(import.meta.dirname, 'consumer'), consumer, { recursive: true });
  // The packages' own dependencies at the versions installed here (cache hits, no binaries download);
  // the frameworks and types the TypeScript consumer needs, likewise.
  const overrides: Record<string, string> = {};
  for (const name of PACKAGES) {
    const m = manifest(name);
    for (const dep of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) {
      const version = installedVersion(dep, name);
      if (version) overrides[dep] = version;
    }
  }
  const dependencies: Record<string, string> = {
    'replica-router': `file:${join(work, packed['replica-router'].filename)}`,
    'pg-devcluster': `file:${join(work, packed['pg-devcluster'].filename)}`,
  };
  for (const dep of ['@types/node', 'fastify', 'express', '@types/express', 'hono']) {
    dependencies[dep] = installedVersion(dep)!;
  }
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies, overrides }, null, 2),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], consumer);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  // A build left in the working tree is never loaded by the workspace (it resolves to sources), but
  // leave the tree as it was.
  for (const name of PACKAGES) {
    if (!distExisted.has(name))
      rmSync(join(root, 'packages', name, 'dist'), { recursive: true, force: true });
  }
});

// Three independent checks of one install, side by side (two start clusters, one runs tsc).
describe('the packed packages, installed into an empty project', { concurrency: true }, () => {
  it('a plain JavaScript consumer starts a cluster and routes a read to the replica, a write to the primary', async () => {
    const evidence = join(work, 'evidence');
    mkdirSync(evidence);
    const { stdout } = await run(
      process.execPath,
      ['run-tests.mjs', 'test/routing.test.mjs', 'test/isolation.test.mjs'],
      consumer,
      strangerEnv({ EVIDENCE_DIR: evidence }),
    );
    assert.match(stdout, /# pass 2\n/, stdout);
    assert.match(stdout, /# fail 0\n/, stdout);
    const routing = JSON.parse(readFileSync(join(evidence, 'routing.json'), 'utf8'));
    assert.notEqual(routing.primaryPort, routing.replicaPort);
    assert.deepEqual(routing.read, { in_recovery: true, port: routing.replicaPort, notes: 1 });
    assert.deepEqual(routing.write, { in_recovery: false, port: routing.primaryPort });
    // The compiled JavaScript of the installed packages ran, not this repository's sources.
    assert.match(routing.resolved[0], /\/consumer\/node_modules\/replica-router\/dist\/index\.js$/);
    assert.match(routing.resolved[1], /\/consumer\/node_modules\/pg-devcluster\/dist\/index\.js$/);
    const isolation = JSON.parse(readFileSync(join(evidence, 'isolation.json'), 'utf8'));
    assert.notEqual(isolation.name, routing.name);
  });

  it('npx pg-devcluster runs the installed command', async () => {
    const npx = (...args: string[]) =>
      run('npx', ['--no', '--', 'pg-devcluster', '--data-dir', join(work, 'cli-cluster'), ...args], consumer);
    try {
      const up = JSON.parse((await npx('up', '--replicas', '1', '--detach', '--json')).stdout);
      assert.equal(up.detached, true);
      assert.equal(up.replicas[0].state, 'streaming');
      const table = (await npx('status')).stdout.split('\n');
      assert.match(table[0] ?? '', /^node +url +running +state +lsn +lag bytes +lag ms$/);
      assert.match(
        table[2] ?? '',
        /^primary +postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres +yes +primary /,
      );
      const status = JSON.parse((await npx('status', '--json')).stdout);
      assert.equal(status.primary.running, true);
    } finally {
      assert.equal((await npx('down')).stdout.trim(), 'stopped: replica_1, primary');
    }
  });

  it('a strict TypeScript consumer type-checks against the shipped declarations', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer);
    // Resolved from the tarballs: declarations only, no TypeScript sources.
    const shipped = readdirSync(join(consumer, 'node_modules', 'replica-router', 'dist', 'http'));
    assert.ok(shipped.includes('express.d.ts') && shipped.includes('hono.d.ts'), shipped.join(' '));
  });
});

/** Every path an `exports` target or a `bin` of the manifest names, except the workspace-only source condition. */
function shippedTargets(m: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown, condition?: string) => {
    if (typeof v === 'string') {
      if (condition !== '@perfherder/source') out.push(v.replace(/^\.\//, ''));
    } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(m.exports);
  walk(m.bin);
  return out;
}

describe('what the tarballs hold', () => {
  it('dist/ built from every source file, the manifest, README, LICENSE, CHANGELOG, the bin; no tests or sources', () => {
    for (const name of PACKAGES) {
      const files = packed[name].files.map((f) => f.path).sort();
      const extra = files.filter(
        (f) =>
          !/^dist\/.+\.(js|d\.ts|js\.map)$/.test(f) &&
          !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/pg-devcluster.mjs'].includes(f),
      );
      assert.deepEqual(extra, [], `${name} ships only what it needs`);
      for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
        assert.ok(files.includes(required), `${name} ships ${required}`);
      }
      assert.ok(!files.some((f) => /(^|\/)(src|test)\/|\.test\.|\.tsbuildinfo$|\.tgz$/.test(f)), name);
      // One .js, .d.ts and .js.map per source file: all of src/ is compiled, nothing stale ships.
      const sources = listSources(join(root, 'packages', name, 'src'));
      for (const ext of ['.js', '.d.ts', '.js.map']) {
        assert.deepEqual(
          files.filter(
            (f) => f.startsWith('dist/') && f.endsWith(ext) && !(ext === '.js' && f.endsWith('.d.ts')),
          ),
          sources.map((s) => `dist/${s.replace(/\.ts$/, ext)}`).sort(),
          `${name} ${ext}`,
        );
      }
      for (const target of shippedTargets(manifest(name)))
        assert.ok(files.includes(target), `${name}: ${target}`);
    }
  });

  it('no secret in any packed file', () => {
    const secrets = [
      /postgres(ql)?:\/\/[^/\s:@'"`]+:[^*\s@'"`$]+@/i, // a URL with a literal password
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bnpm_[A-Za-z0-9]{36}\b/, // npm access token
      /_authToken\s*=/,
      /\bgh[pousr]_[A-Za-z0-9]{36}\b/, // GitHub token
    ];
    for (const name of PACKAGES) {
      const unpacked = join(work, `unpacked-${name}`);
      mkdirSync(unpacked);
      const tarball = join(work, packed[name].filename);
      // The tarball is what npm would upload.
      execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
      for (const file of packed[name].files) {
        const text = readFileSync(join(unpacked, 'package', file.path), 'utf8');
        for (const pattern of secrets) assert.doesNotMatch(text, pattern, `${name}/${file.path}`);
      }
    }
  });

  it('npm publish --dry-run accepts both packages, without a login and without changing the manifest', async () => {
    for (const name of PACKAGES) {
      const { stdout, stderr } = await run(
        'npm',
        ['publish', '--dry-run', '--ignore-scripts', '--json'],
        join(root, 'packages', name),
      );
      const report = (JSON.parse(stdout) as Record<string, { name: string; files: unknown[] }>)[name]!;
      assert.equal(report.name, name);
      assert.equal(report.files.length, packed[name].files.length);
      assert.doesNotMatch(stderr, /auto-corrected|errors in your package\.json/i, stderr);
    }
  });
});

function listSources(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? listSources(join(dir, e.name), `${prefix}${e.name}/`)
      : e.name.endsWith('.ts')
        ? [`${prefix}${e.name}`]
        : [],
  );
}
