import type { WalPosition } from '../wal/wal-position.ts';

/** What a causal token says once verified: a WAL position a reader must not read behind, and when it was issued. */
export interface CausalToken {
  readonly position: WalPosition;
  /** Issue time, ms since the epoch. */
  readonly issuedAt: number;
}

/** Why a presented token was ignored. */
export type InvalidTokenReason =
  /** Longer than any token we issue (refused before decoding). */
  | 'too_large'
  /** Not base64url of the expected length and version. */
  | 'malformed'
  /** The HMAC does not match: forged, altered, or signed with another secret. */
  | 'bad_signature'
  /** Older than the TTL. */
  | 'expired'
  /** Issued in the future (beyond a 1 s clock skew). */
  | 'future';

/** Every reason, for counters. */
export const invalidTokenReasons: readonly InvalidTokenReason[] = [
  'too_large',
  'malformed',
  'bad_signature',
  'expired',
  'future',
];

/** A presented token, checked. */
export type TokenCheck =
  | { readonly ok: true; readonly token: CausalToken }
  | { readonly ok: false; readonly reason: InvalidTokenReason };
