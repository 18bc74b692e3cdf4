import type { FastifyPluginCallback, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { ConsistencyLevel } from '../causal/consistency-level.ts';
import type { RoutedPool } from '../pool/routed-pool.ts';
import { enterRequestScope, type RequestScope } from '../scope/request-scope.ts';
import {
  CAUSAL_TOKEN_HEADER,
  causalTokenCookie,
  clearedCausalTokenCookie,
  presentedToken,
} from './causal-cookie.ts';
import { replicaRequest, requestPath } from './replica-request.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opt this route into replica reads (GET, HEAD and OPTIONS only). One line per endpoint. */
    readReplica?: boolean;
    /** This route's consistency level; default the pool's (`READ_REPLICA_CONSISTENCY`). */
    consistency?: ConsistencyLevel;
  }
}

export interface ReadReplicaPluginOptions {
  readonly pool: RoutedPool;
}

interface RequestState {
  readonly scope: RequestScope;
  /** The presented token came from the cookie (a refused one is then cleared). */
  readonly cookieToken: boolean;
}

/**
 * Each request's state, on the request itself. Not a WeakMap keyed by the request: V8's scavenger keeps a
 * WeakMap's values alive whatever their keys, so every request's scope (and what it reaches) would outlive the next
 * young-generation collection and be promoted, making each scavenge copy the requests since the last one.
 */
const STATE = Symbol('replica-router request state');
type WithState = { [STATE]?: RequestState | null };

function appendSetCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  if (existing === undefined) reply.header('set-cookie', cookie);
  else reply.header('set-cookie', [...(Array.isArray(existing) ? existing : [String(existing)]), cookie]);
}

/**
 * Fastify plugin: for routes with `config: { readReplica: true }` and a safe method, runs the request in a
 * replica scope and logs the reference's DEBUG line once. At a consistency level other than `eventual` (the
 * pool's, or the route's `config.consistency`), every request also carries causal state: the token it
 * presents (`X-Causal-Token` header, else the `causal_token` cookie) decides which replicas may serve it, and
 * a response after a write (at `monotonic`, after any read) carries a new token in the header and the cookie.
 * A refused token is ignored (and a refused cookie cleared), never an error. When the pool has no replica
 * alias (kill switch), it registers nothing at all.
 *
 * @example
 * await app.register(readReplicaPlugin, { pool });
 * app.get('/api/performance/framework/', { config: { readReplica: true } }, handler);
 * app.get('/api/performance/alert/', { config: { readReplica: true, consistency: 'monotonic' } }, handler);
 */
const plugin: FastifyPluginCallback<ReadReplicaPluginOptions> = (fastify, options, done) => {
  const { pool } = options;
  const tokens = pool.causalTokens;
  if (!pool.routingEnabled || !tokens) {
    done();
    return;
  }
  // Declared on every request (null), so that setting it keeps the request's shape.
  fastify.decorateRequest(STATE, null);
  fastify.addHook('onRequest', (request, _reply, next) => {
    const config = request.routeOptions.config;
    // The DEBUG line and the safe-method rule are the ones every adapter shares.
    const replica =
      config.readReplica === true ? replicaRequest(request.method, request.url, request.log) : undefined;
    const level = config.consistency ?? pool.consistency;
    const presented = level === 'eventual' ? undefined : presentedToken(request.headers);
    const causal = tokens.open(level, presented?.value);
    if (!replica && !causal) {
      next();
      return;
    }
    const info = replica ?? { path: requestPath(request.url), method: request.method, log: request.log };
    // Calling next() inside the scope makes every later hook and the handler run in it.
    const scope = enterRequestScope(replica !== undefined, { ...info, ...(causal ? { causal } : {}) }, next);
    (request as WithState)[STATE] = { scope, cookieToken: presented?.source === 'cookie' };
  });
  fastify.addHook('onSend', (request, reply, payload, next) => {
    const state = (request as WithState)[STATE];
    const causal = state?.scope.causal;
    if (!state || !causal) {
      next(null, payload);
      return;
    }
    const secure = request.protocol === 'https';
    const clearRefused = () => {
      if (causal.rejected !== undefined && state.cookieToken)
        appendSetCookie(reply, clearedCausalTokenCookie(secure));
    };
    // Most responses owe no token (a read at read_your_writes): answered without an await.
    if (!tokens.owes(causal, state.scope.wrote)) {
      clearRefused();
      next(null, payload);
      return;
    }
    void tokens.finish(causal, state.scope.wrote).then((token) => {
      if (token === undefined) clearRefused();
      else {
        reply.header(CAUSAL_TOKEN_HEADER, token);
        appendSetCookie(reply, causalTokenCookie(token, tokens.ttlMs, secure));
      }
      next(null, payload);
    });
  });
  // Not on onRequestAbort: a handler keeps running after its client went away, and its remaining reads
  // belong on the replica, not on the primary the routing protects. The scope ends with the response.
  fastify.addHook('onResponse', (request, _reply, next) => {
    const state = (request as WithState)[STATE];
    if (state) state.scope.ended = true;
    next();
  });
  done();
};

export const readReplicaPlugin = fp(plugin, { fastify: '5.x', name: 'replica-router' });
