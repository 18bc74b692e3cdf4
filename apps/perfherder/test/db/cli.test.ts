import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findUserByToken } from '../../src/auth/index.ts';
import { withTestDatabase } from '../support/database.ts';

const db = await withTestDatabase();
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@perfherder/source', '--import', 'tsx', cli, ...args],
      {
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('every command names DATABASE_URL when it is missing or not a postgres URL', async () => {
  for (const args of [['migrate'], ['seed', '--size', 'tiny'], ['create-user', 'x']]) {
    const missing = await run(args, {});
    assert.equal(missing.code, 1, args.join(' '));
    assert.match(missing.stderr, /PH_ERR_DATABASE_URL: DATABASE_URL is not set/);
  }
  const wrong = await run(['migrate'], { DATABASE_URL: 'mysql://u:secret@h/db' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /DATABASE_URL is not a PostgreSQL URL/);
  assert.doesNotMatch(wrong.stderr, /secret/);
});

test('migrate, seed and create-user work end to end through the CLI', async () => {
  await db.cluster.createDatabase('cli');
  const env = { DATABASE_URL: db.cluster.urls('cli').primary };

  const migrated = await run(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const files = readdirSync(fileURLToPath(new URL('../../src/db/migrations/', import.meta.url)))
    .filter((f) => f.endsWith('.sql'))
    .sort();
  assert.equal(migrated.stdout.trim(), `applied ${files.join(', ')}`);
  assert.equal((await run(['migrate'], env)).stdout.trim(), 'no pending migrations');

  const seeded = await run(['seed', '--size', 'tiny', '--seed', '7'], env);
  assert.equal(seeded.code, 0, seeded.stderr);
  assert.match(seeded.stdout, /^seeded tiny \(seed 7\): \d+ rows/);
  assert.match(seeded.stdout, /performance_datum +\d+/);
  assert.match(seeded.stderr, /seed: done/);

  const badSize = await run(['seed', '--size', 'huge'], env);
  assert.equal(badSize.code, 1);
  assert.match(badSize.stderr, /one of tiny, small, medium, large/);

  const created = await run(['create-user', 'alice', '--staff', '--email', 'alice@example.com'], env);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^phb_[A-Za-z0-9_-]{43}$/);
  assert.match(created.stderr, /created staff user alice .*shown this once/);
  assert.doesNotMatch(created.stderr, /phb_/);

  const client = new pg.Client(env.DATABASE_URL);
  await client.connect();
  try {
    const user = await findUserByToken(client, token);
    assert.equal(user?.username, 'alice');
    assert.equal(user?.isStaff, true);
    assert.equal(user?.email, 'alice@example.com');
  } finally {
    await client.end();
  }
});
