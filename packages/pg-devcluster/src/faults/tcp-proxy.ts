import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does with traffic:
 * - `pass`: forward both ways (optionally delayed by `latencyMs` per chunk);
 * - `stall`: accept connections and never answer; open connections stop moving (reads are paused, so
 *   bytes wait in the kernel as on a congested or partitioned link); back to `pass`, everything resumes
 *   and connections accepted meanwhile reach the server;
 * - `reset`: reset every open and new connection (the client sees ECONNRESET);
 * - `refuse`: stop listening (the client sees ECONNREFUSED).
 */
export type ProxyMode = 'pass' | 'stall' | 'reset' | 'refuse';

/** A TCP proxy in front of a server, to inject network faults with real sockets. */
export interface TcpProxy {
  /** The address it listens on (`127.0.0.1` unless given). */
  readonly host: string;
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections open right now. */
  readonly connectionCount: number;
  setMode(mode: ProxyMode, options?: { latencyMs?: number }): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

class TcpProxyImpl implements TcpProxy {
  readonly #targetPort: number;
  readonly host: string;
  readonly #pairs = new Set<Pair>();
  #server: Server | undefined;
  #port = 0;
  #mode: ProxyMode = 'pass';
  #latencyMs = 0;

  constructor(targetPort: number, host: string) {
    this.#targetPort = targetPort;
    this.host = host;
  }

  get port(): number {
    return this.#port;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  get connectionCount(): number {
    return this.#pairs.size;
  }

  async listen(port = 0): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    const address = server.address();
    this.#port = typeof address === 'object' && address ? address.port : port;
    this.#server = server;
  }

  #accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined };
    this.#pairs.add(pair);
    client.on('error', () => {});
    client.once('close', () => {
      this.#pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (this.#mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (this.#mode === 'stall') {
      client.pause(); // hold the socket open, say nothing; connected upstream when the stall ends
      return;
    }
    this.#connectUpstream(pair);
  }

  #connectUpstream(pair: Pair): void {
    const upstream = createConnection({ host: '127.0.0.1', port: this.#targetPort });
    pair.upstream = upstream;
    upstream.on('error', () => pair.client.destroy());
    upstream.once('close', () => pair.client.destroy());
    this.#pipe(pair.client, upstream);
    this.#pipe(upstream, pair.client);
  }

  #pipe(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.#latencyMs > 0) setTimeout(() => to.destroyed || to.write(chunk), this.#latencyMs);
      else to.write(chunk);
    });
  }

  async setMode(mode: ProxyMode, options: { latencyMs?: number } = {}): Promise<void> {
    this.#latencyMs = options.latencyMs ?? 0;
    const previous = this.#mode;
    this.#mode = mode;
    if (mode === 'stall') {
      for (const pair of this.#pairs) {
        pair.client.pause();
        pair.upstream?.pause();
      }
    }
    if (previous === 'stall' && mode === 'pass') {
      for (const pair of this.#pairs) {
        if (!pair.upstream) this.#connectUpstream(pair);
        pair.client.resume();
        pair.upstream?.resume();
      }
    }
    if (mode === 'reset') {
      for (const pair of this.#pairs) {
        pair.upstream?.destroy();
        pair.client.resetAndDestroy();
      }
    }
    if (mode === 'refuse' && this.#server) {
      const server = this.#server;
      this.#server = undefined;
      for (const pair of this.#pairs) {
        pair.upstream?.destroy();
        pair.client.resetAndDestroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (previous === 'refuse' && mode !== 'refuse') await this.listen(this.#port);
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) {
      pair.upstream?.destroy();
      pair.client.destroy();
    }
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Start a proxy on `options.host` (default 127.0.0.1; any 127.x.y.z works on Linux, where all of 127/8 is
 * loopback) and `port` (0 = any free port), forwarding to 127.0.0.1:`targetPort`. Distinct loopback hosts let
 * several servers appear on one port, as replicas behind one DNS name do.
 */
export async function createTcpProxy(
  targetPort: number,
  port = 0,
  options: { readonly host?: string } = {},
): Promise<TcpProxy> {
  const proxy = new TcpProxyImpl(targetPort, options.host ?? '127.0.0.1');
  await proxy.listen(port);
  return proxy;
}
