import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { createUser, findUserByToken, hashToken, issueToken, TOKEN_PREFIX } from '../../src/auth/index.ts';
import { withTestDatabase } from '../support/database.ts';

const db = await withTestDatabase();
beforeEach(() => db.reset());

test('createUser, issueToken and findUserByToken round trip', async () => {
  const sheriff = await createUser(db.primary, {
    username: 'sheriff',
    email: 's@example.com',
    isStaff: true,
  });
  assert.deepEqual(sheriff, {
    id: 1,
    username: 'sheriff',
    email: 's@example.com',
    firstName: '',
    lastName: '',
    isStaff: true,
    isActive: true,
  });
  const token = await issueToken(db.primary, sheriff.id);
  assert.match(token, /^phb_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(await findUserByToken(db.primary, token), sheriff);

  const plain = await createUser(db.primary, { username: 'plain', isStaff: false });
  const other = await issueToken(db.primary, plain.id);
  assert.notEqual(other, token);
  assert.equal((await findUserByToken(db.primary, other))?.isStaff, false);
});

test('the database holds the hash and a short prefix, never the plain token', async () => {
  const user = await createUser(db.primary, { username: 'u', isStaff: false });
  const token = await issueToken(db.primary, user.id);
  const { rows } = await db.primary.query('SELECT token_hash, prefix FROM auth_token');
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].token_hash, hashToken(token));
  assert.equal(rows[0].prefix, token.slice(0, TOKEN_PREFIX.length + 6));
  const secret = token.slice(TOKEN_PREFIX.length);
  const dump = await db.primary.query(
    `SELECT count(*)::int AS n FROM auth_token t
     WHERE position($1 in t::text) > 0 OR position($2 in encode(token_hash, 'escape')) > 0`,
    [secret, secret],
  );
  assert.equal(dump.rows[0].n, 0);
});

test('unknown, malformed and inactive-user tokens find nobody', async () => {
  const user = await createUser(db.primary, { username: 'u', isStaff: true });
  const token = await issueToken(db.primary, user.id);
  assert.equal(
    await findUserByToken(db.primary, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`),
    null,
  );
  assert.equal(await findUserByToken(db.primary, 'not-a-token'), null);
  assert.equal(await findUserByToken(db.primary, ''), null);
  await db.primary.query('UPDATE auth_user SET is_active = false');
  assert.equal(await findUserByToken(db.primary, token), null);
});

test('last_used is written on first use and then at most once a minute', async () => {
  const user = await createUser(db.primary, { username: 'u', isStaff: false });
  const token = await issueToken(db.primary, user.id);
  const lastUsed = async () => (await db.primary.query('SELECT last_used FROM auth_token')).rows[0].last_used;
  assert.equal(await lastUsed(), null);
  await findUserByToken(db.primary, token);
  const first = await lastUsed();
  assert.ok(first instanceof Date);
  await findUserByToken(db.primary, token);
  assert.deepEqual(await lastUsed(), first);
  await db.primary.query("UPDATE auth_token SET last_used = now() - interval '2 minutes'");
  const old = await lastUsed();
  await findUserByToken(db.primary, token);
  assert.ok((await lastUsed()) > old);
});

test('a taken username fails with the server unique violation', async () => {
  await createUser(db.primary, { username: 'twice', isStaff: false });
  await assert.rejects(createUser(db.primary, { username: 'twice', isStaff: true }), { code: '23505' });
});
