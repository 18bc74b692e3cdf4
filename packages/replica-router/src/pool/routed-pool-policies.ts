import { TokenCodec } from '../causal/token-codec.ts';
import { RouterConfigError } from '../errors.ts';
import { defaultHealthPolicy, type HealthPolicy } from '../health/health-policy.ts';
import { defaultHedgePolicy, type HedgePolicy } from '../hedge/hedge-policy.ts';
import type { RoutedPoolOptions } from './routed-pool-options.ts';

/** Default lifetime of a causal token. */
const DEFAULT_TOKEN_TTL_MS = 60_000;

/** The probes' policy: each option the pool was given, else the health monitor's default. */
export function healthPolicy(options: RoutedPoolOptions): HealthPolicy {
  return {
    probeMs: options.probeMs ?? defaultHealthPolicy.probeMs,
    probeTimeoutMs: options.probeTimeoutMs ?? defaultHealthPolicy.probeTimeoutMs,
    maxLagMs: options.maxLagMs ?? defaultHealthPolicy.maxLagMs,
    maxLagBytes: options.maxLagBytes ?? defaultHealthPolicy.maxLagBytes,
    readmitProbes: options.readmitProbes ?? defaultHealthPolicy.readmitProbes,
  };
}

/**
 * The hedging policy, validated here so that a bad value fails the pool's constructor, naming the option,
 * rather than surfacing later as odd hedge delays.
 */
export function hedgePolicy(options: RoutedPoolOptions): HedgePolicy {
  const policy: HedgePolicy = {
    fixedMs: options.hedgeMs ?? defaultHedgePolicy.fixedMs,
    floorMs: options.hedgeFloorMs ?? defaultHedgePolicy.floorMs,
    capMs: options.hedgeCapMs ?? defaultHedgePolicy.capMs,
    budget: options.hedgeBudget ?? defaultHedgePolicy.budget,
  };
  const ms = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 0);
  if (!ms(policy.fixedMs)) throw new RouterConfigError('hedgeMs', 'must be an integer ≥ 0 (0 = off)');
  if (!ms(policy.floorMs)) throw new RouterConfigError('hedgeFloorMs', 'must be an integer ≥ 0');
  if (!ms(policy.capMs) || policy.capMs < policy.floorMs) {
    throw new RouterConfigError('hedgeCapMs', 'must be an integer ≥ hedgeFloorMs');
  }
  if (!(policy.budget >= 0 && policy.budget <= 1)) {
    throw new RouterConfigError('hedgeBudget', 'must be a share from 0 to 1');
  }
  return policy;
}

/**
 * The codec that signs and checks causal tokens. Without a secret the tokens cannot be checked by another
 * instance, so the pool still starts (with a key of its own) but says so in a WARN.
 */
export function tokenCodec(options: RoutedPoolOptions): TokenCodec {
  const ttlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
  if (options.tokenSecret === undefined) {
    options.logger?.warn(
      { db_routing: 'token_secret_generated' },
      'db_routing_token_secret_generated: READ_REPLICA_TOKEN_SECRET is not set, so causal tokens are signed ' +
        'with a key made at start and hold only for this process; give every instance the same secret',
    );
    return new TokenCodec(TokenCodec.randomSecret(), { ttlMs });
  }
  try {
    return new TokenCodec(options.tokenSecret, { ttlMs });
  } catch (error) {
    // The message never repeats the secret.
    throw new RouterConfigError('tokenSecret', (error as Error).message, { cause: error });
  }
}
