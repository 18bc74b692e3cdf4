export { type SeedCounts, type SeedOptions, type SeedProgress, seed } from './seed.ts';
export { isSeedSize, SEED_SIZES, type SeedSize, type SizeProfile } from './seed-size.ts';
