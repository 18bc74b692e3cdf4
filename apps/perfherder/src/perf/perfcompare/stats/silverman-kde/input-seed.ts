/**
 * A 32-bit seed derived from the comparison's input: FNV-1a over the IEEE-754 bytes of every
 * base value, a separator, then every new value.
 *
 * Seeding from the data (and not from the clock) makes the bootstrap reproducible, so a cached
 * result and a recomputed one are identical, while different data still draw different resamples.
 *
 * @example
 * inputSeed([1, 2], [3]) === inputSeed([1, 2], [3]); // true
 */
export function inputSeed(base: readonly number[], next: readonly number[]): number {
  const view = new DataView(new ArrayBuffer(8));
  let hash = 0x811c9dc5;
  const mix = (byte: number): void => {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  };
  const feed = (values: readonly number[]): void => {
    for (const v of values) {
      view.setFloat64(0, v);
      for (let i = 0; i < 8; i++) {
        mix(view.getUint8(i));
      }
    }
  };
  feed(base);
  // Keeps ([1], [2, 3]) and ([1, 2], [3]) apart.
  for (const byte of [0xff, 0x00, 0xff, 0x00]) {
    mix(byte);
  }
  feed(next);
  return hash | 0;
}
