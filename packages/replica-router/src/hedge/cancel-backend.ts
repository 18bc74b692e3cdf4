import { connect } from 'node:net';
import type pg from 'pg';
import { serialize } from 'pg-protocol';

/** `sent`: the server took the request (and closed the connection); `failed`: not delivered in time. */
export type CancelOutcome = 'sent' | 'failed';

/** pg.Client's backend key, which its types leave out. */
interface BackendKey {
  readonly processID?: unknown;
  readonly secretKey?: unknown;
}

/**
 * Cancels whatever statement `target`'s backend is running with the protocol's CancelRequest: a new
 * connection to the same host and port carrying the backend's pid and secret key (no login; the message is
 * pg-protocol's). Resolves `sent` once the server has taken the request and closed that connection (it
 * closes it after signalling the backend), `failed` when the connection failed or did not close within
 * `timeoutMs` (a frozen server: the caller then destroys the target's connection). Never rejects; the extra
 * socket never raises an uncaught 'error'. The request travels unencrypted, as pg's own `Client#cancel`
 * sends it.
 */
export function cancelBackend(target: pg.Client, timeoutMs: number): Promise<CancelOutcome> {
  const { processID, secretKey } = target as unknown as BackendKey;
  if (typeof processID !== 'number' || typeof secretKey !== 'number') return Promise.resolve('failed');
  return new Promise((resolve) => {
    const host = target.host;
    const socket = host?.startsWith('/')
      ? connect({ path: `${host}/.s.PGSQL.${target.port}` })
      : connect({ host, port: target.port });
    let written = false;
    let done = false;
    const finish = (outcome: CancelOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('failed'), timeoutMs);
    socket.setNoDelay(true);
    socket.on('error', () => finish('failed'));
    socket.once('connect', () => {
      socket.write(serialize.cancel(processID, secretKey), () => {
        written = true;
      });
    });
    socket.on('close', () => finish(written ? 'sent' : 'failed'));
    // The server never answers a CancelRequest: data would be a protocol error; just wait for the close.
    socket.resume();
  });
}
