import pg from 'pg';

/** pg.Client's socket, which is not in its types: destroying it is the only way out of a frozen connection. */
interface WithSocket {
  readonly connection?: { readonly stream?: { destroy(): void; ref?(): void; unref?(): void } };
}

/**
 * One dedicated connection for a probe, outside every pool: a replica pool exhausted by slow reads cannot
 * starve its probe, and the probe's own connection failing says something about the server, not the pool.
 * Connects lazily, and again after any failure.
 */
export class ProbeConnection {
  readonly #config: pg.ClientConfig;
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;

  /**
   * `config` is the server's connection config; the probe adds its application name, a connect timeout
   * and a server-side `statement_timeout` of `timeoutMs`.
   */
  constructor(config: pg.ClientConfig, timeoutMs: number) {
    this.#config = {
      ...config,
      // pg-pool keeps a password non-enumerable, which a spread would drop.
      ...(config.password === undefined ? {} : { password: config.password }),
      application_name: 'replica-router-probe',
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      keepAlive: true,
    };
  }

  async query<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
    const client = await this.#connected();
    const stream = (client as WithSocket).connection?.stream;
    // Idle, the connection must not keep the process alive; while a probe waits for its answer it must (a
    // script whose first statement waits for the first probe has nothing else keeping it running).
    stream?.ref?.();
    try {
      return (await client.query<R>(sql)).rows;
    } catch (error) {
      // Cheaper to reconnect than to tell a broken connection from a statement error.
      this.reset();
      throw error;
    } finally {
      if (this.#client === client) stream?.unref?.();
    }
  }

  reset(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#connecting = undefined;
    if (!client) return;
    (client as WithSocket).connection?.stream?.destroy();
    client.end().catch(() => {});
  }

  async close(): Promise<void> {
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    this.#connecting = undefined;
    await client?.end().catch(() => {});
  }

  #connected(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const client = new pg.Client(this.#config);
      // A connection dying between probes must not crash the process; the next probe finds out.
      client.on('error', () => {
        if (this.#client === client) this.#client = undefined;
      });
      try {
        await client.connect();
      } catch (error) {
        this.#connecting = undefined;
        (client as WithSocket).connection?.stream?.destroy();
        throw error;
      }
      // An idle probe connection must not keep the process alive: it is open for the pool's whole life.
      (client as WithSocket).connection?.stream?.unref?.();
      this.#client = client;
      this.#connecting = undefined;
      return client;
    })();
    return this.#connecting;
  }
}
