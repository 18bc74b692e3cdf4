// Causal tokens on their own: format, round trip, and every way a presented token is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CAUSAL_TOKEN_LENGTH, TokenCodec } from '../../src/causal/token-codec.ts';
import { formatWalPosition, parseWalPosition, walPositionCovers } from '../../src/wal/wal-position.ts';

const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';
const OTHER = 'another-secret-also-32-bytes-long-or-more';
const NOW = 1_700_000_000_000;

function codec(secret = SECRET, now = NOW, ttlMs = 60_000): TokenCodec {
  return new TokenCodec(secret, { ttlMs, now: () => now });
}

describe('WAL positions', () => {
  test('parse and format the server’s X/Y form', () => {
    assert.equal(parseWalPosition('0/0'), 0n);
    assert.equal(parseWalPosition('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
    assert.equal(formatWalPosition((0x16n << 32n) | 0xb374d848n), '16/B374D848');
    assert.equal(formatWalPosition(0x3000148n), '0/3000148');
    for (const bad of [null, undefined, '', '16', '16/', '/1', 'G/1', '1/2/3', '123456789/1']) {
      assert.equal(parseWalPosition(bad), undefined, String(bad));
    }
  });
});

describe('walPositionCovers', () => {
  test('a replay position covers what is at or before it, and a page header right after a page boundary', () => {
    assert.equal(walPositionCovers(100n, 100n), true);
    assert.equal(walPositionCovers(100n, 99n), true);
    assert.equal(walPositionCovers(100n, 101n), false);
    // An insert position just past the header of a new page: nothing lies between the page start and it.
    assert.equal(walPositionCovers(8192n * 5n, 8192n * 5n + 24n), true);
    assert.equal(walPositionCovers(8192n * 5n, 8192n * 5n + 40n), true);
    assert.equal(walPositionCovers(8192n * 5n, 8192n * 5n + 41n), false);
    assert.equal(walPositionCovers(8192n * 5n + 8n, 8192n * 5n + 24n), false, 'not at a page start');
  });
});

describe('TokenCodec', () => {
  test('a token is 42 URL-safe characters and round-trips position and issue time', () => {
    const position = (0xffn << 32n) | 0x12345678n;
    const token = codec().sign({ position, issuedAt: NOW - 5 });
    assert.equal(token.length, CAUSAL_TOKEN_LENGTH);
    assert.equal(CAUSAL_TOKEN_LENGTH, 42);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(codec().verify(token), { ok: true, token: { position, issuedAt: NOW - 5 } });
    assert.equal(codec().verify(codec().issue(7n)).ok, true);
  });

  test('a secret shorter than 32 bytes is refused', () => {
    assert.throws(() => new TokenCodec('x'.repeat(31), { ttlMs: 1000 }), RangeError);
    assert.equal(TokenCodec.randomSecret().length, 32);
  });

  const good = codec().sign({ position: 123_456n, issuedAt: NOW - 1000 });

  const cases: [string, string, string][] = [
    ['signed with another secret', codec(OTHER).sign({ position: 123_456n, issuedAt: NOW }), 'bad_signature'],
    ['truncated', good.slice(0, -1), 'malformed'],
    ['truncated to nothing', '', 'malformed'],
    ['one character longer', `${good}A`, 'malformed'],
    ['not base64url', `${good.slice(0, -1)}+`, 'malformed'],
    ['padding', `${good.slice(0, -2)}==`, 'malformed'],
    ['huge', 'A'.repeat(1_000_000), 'too_large'],
    ['expired', codec().sign({ position: 1n, issuedAt: NOW - 60_001 }), 'expired'],
    ['issued in the future', codec().sign({ position: 1n, issuedAt: NOW + 1001 }), 'future'],
    ['unicode', `${good.slice(0, -1)}é`, 'malformed'],
  ];
  for (const [name, token, reason] of cases) {
    test(`refused: ${name} (${reason})`, () => {
      assert.deepEqual(codec().verify(token), { ok: false, reason });
    });
  }

  test('refused: any single flipped bit of position, time or MAC (forged signature)', () => {
    const bytes = Buffer.from(good, 'base64url');
    for (let i = 1; i < bytes.length; i++) {
      const forged = Buffer.from(bytes);
      forged[i] = (forged[i] ?? 0) ^ 0x01;
      assert.deepEqual(
        codec().verify(forged.toString('base64url')),
        { ok: false, reason: 'bad_signature' },
        `byte ${i}`,
      );
    }
    const version = Buffer.from(bytes);
    version[0] = 2;
    assert.deepEqual(codec().verify(version.toString('base64url')), { ok: false, reason: 'malformed' });
  });

  test('within the clock skew (1 s) a token from a slightly fast clock is accepted; at the TTL edge too', () => {
    assert.equal(codec().verify(codec().sign({ position: 1n, issuedAt: NOW + 1000 })).ok, true);
    assert.equal(codec().verify(codec().sign({ position: 1n, issuedAt: NOW - 60_000 })).ok, true);
  });

  test('the secret never prints', () => {
    const c = codec();
    for (const text of [JSON.stringify(c), String(c)]) assert.ok(!text.includes(SECRET), text);
  });
});
