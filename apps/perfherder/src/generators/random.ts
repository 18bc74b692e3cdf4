import { type RandomGenerator, xoroshiro128plus } from 'pure-rand';

const HEX = '0123456789abcdef';
const SLUG = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const TWO_32 = 2 ** 32;

/**
 * The seed generator's only source of randomness: a xoroshiro128+ stream from pure-rand. Every value the
 * generator draws comes from here in a fixed order, so the same seed gives the same data.
 */
export class Random {
  readonly #rng: RandomGenerator;

  constructor(seed: number) {
    this.#rng = xoroshiro128plus(seed);
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  float(): number {
    const high = (this.#rng.unsafeNext() >>> 0) >>> 5;
    const low = (this.#rng.unsafeNext() >>> 0) >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly chosen element; the array must not be empty. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** An element chosen with the given relative weights. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let x = this.float() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    return (items.at(-1) as readonly [T, number])[0];
  }

  /** `count` distinct elements in random order (all of them when count ≥ length). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, Math.min(count, copy.length));
  }

  /** `length` lowercase hex digits, e.g. a revision. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) {
      const word = this.#rng.unsafeNext() >>> 0;
      for (let shift = 0; shift < 32 && out.length < length; shift += 4) out += HEX[(word >>> shift) & 15];
    }
    return out;
  }

  /** A Taskcluster-style slug id: 22 base64url characters. */
  slug(): string {
    let out = '';
    for (let i = 0; i < 22; i++) out += SLUG[Math.floor(((this.#rng.unsafeNext() >>> 0) / TWO_32) * 64)];
    return out;
  }
}
