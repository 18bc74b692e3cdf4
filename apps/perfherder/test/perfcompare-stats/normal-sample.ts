import { type RandomGenerator, unsafeUniformIntDistribution } from 'pure-rand';

/** Standard normal draws by the Box-Muller transform, from a seeded generator (test support). */
export function normalSample(rng: RandomGenerator, n: number): number[] {
  const uniform = (): number => (unsafeUniformIntDistribution(1, 2 ** 30, rng) - 0.5) / 2 ** 30;
  const out: number[] = [];
  while (out.length < n) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    out.push(r * Math.cos(theta), r * Math.sin(theta));
  }
  return out.slice(0, n);
}
