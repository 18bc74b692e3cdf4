import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CausalToken, TokenCheck } from './causal-token.ts';

/** Format version 1: version (1 byte) · position (8) · issued-at ms (6) · HMAC-SHA256 truncated (16). */
const VERSION = 1;
const BODY_BYTES = 1 + 8 + 6;
const MAC_BYTES = 16;
const TOKEN_BYTES = BODY_BYTES + MAC_BYTES;
/** base64url without padding of 31 bytes. */
export const CAUSAL_TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3);
/** Longer input is refused before any decoding, so a huge header costs a length check. */
const MAX_PRESENTED_LENGTH = 256;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Clocks of several instances differ a little; a token up to this far ahead is still accepted. */
const CLOCK_SKEW_MS = 1000;
const MAX_ISSUED_AT = 2 ** 48 - 1;
/** Shortest secret accepted: 32 bytes, the HMAC-SHA256 block's half, as RFC 2104 advises at least. */
export const MIN_SECRET_BYTES = 32;

/**
 * Signs and verifies causal tokens: 42 URL-safe characters holding a WAL position and an issue time,
 * authenticated with HMAC-SHA256 (truncated to 128 bits) under a shared secret. Verification is constant-time
 * in the MAC comparison, refuses oversized input before decoding, and rejects expired and future-dated tokens.
 * The secret lives in a `KeyObject`, which never prints.
 */
export class TokenCodec {
  readonly ttlMs: number;
  readonly #key: KeyObject;
  readonly #now: () => number;

  /** `secret`: at least 32 bytes (a string is taken as UTF-8). */
  constructor(secret: string | Uint8Array, options: { ttlMs: number; now?: () => number }) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new RangeError(`the causal-token secret must have at least ${MIN_SECRET_BYTES} bytes`);
    }
    this.#key = createSecretKey(bytes);
    this.ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** A fresh random secret (32 bytes), for a process that was given none. */
  static randomSecret(): Buffer {
    return randomBytes(MIN_SECRET_BYTES);
  }

  sign(token: CausalToken): string {
    const out = Buffer.alloc(TOKEN_BYTES);
    out.writeUInt8(VERSION, 0);
    out.writeBigUInt64BE(token.position, 1);
    out.writeUIntBE(Math.min(Math.max(0, Math.floor(token.issuedAt)), MAX_ISSUED_AT), 9, 6);
    this.#mac(out.subarray(0, BODY_BYTES)).copy(out, BODY_BYTES);
    return out.toString('base64url');
  }

  /** A token for `position`, issued now. */
  issue(position: bigint): string {
    return this.sign({ position, issuedAt: this.#now() });
  }

  verify(text: string): TokenCheck {
    if (text.length > MAX_PRESENTED_LENGTH) return { ok: false, reason: 'too_large' };
    if (text.length !== CAUSAL_TOKEN_LENGTH || !BASE64URL.test(text))
      return { ok: false, reason: 'malformed' };
    const bytes = Buffer.from(text, 'base64url');
    if (bytes.length !== TOKEN_BYTES || bytes.readUInt8(0) !== VERSION)
      return { ok: false, reason: 'malformed' };
    const expected = this.#mac(bytes.subarray(0, BODY_BYTES));
    if (!timingSafeEqual(expected, bytes.subarray(BODY_BYTES))) return { ok: false, reason: 'bad_signature' };
    const issuedAt = bytes.readUIntBE(9, 6);
    const now = this.#now();
    if (issuedAt > now + CLOCK_SKEW_MS) return { ok: false, reason: 'future' };
    if (now - issuedAt > this.ttlMs) return { ok: false, reason: 'expired' };
    return { ok: true, token: { position: bytes.readBigUInt64BE(1), issuedAt } };
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, MAC_BYTES);
  }

  /** Never prints the key. */
  toJSON(): object {
    return { ttlMs: this.ttlMs };
  }
}
