/**
 * The same small app on each framework adapter, listening on 127.0.0.1: `/opted` (GET, HEAD, OPTIONS,
 * POST, DELETE) and `/opted/late` opt into replica reads, `/plain` does not. Each handler answers with
 * where its statement ran, from the server itself, and with the scope it saw.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { readReplica as expressReadReplica } from '../../src/http/express.ts';
import { readReplicaPlugin } from '../../src/http/fastify.ts';
import { readReplica as honoReadReplica } from '../../src/http/hono.ts';
import { withReplicaScope } from '../../src/http/with-replica-scope.ts';
import { currentScope, type RoutedPool, type RouterLogger } from '../../src/index.ts';
import { type ServedBy, WHERE } from '../support/routing-cluster.ts';

export interface LogLine {
  readonly level: 'debug' | 'warn';
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/** What each handler call answers: the server that ran its statement and the scope it saw. */
export interface Answer extends ServedBy {
  readonly useReplica: boolean | null;
}

export interface AdapterApp {
  readonly baseUrl: string;
  /** Every log line written through the adapter's logger. */
  readonly lines: LogLine[];
  /** The statement each `/opted/late` call leaves behind, run once `releaseLate()` is called. */
  readonly late: Promise<ServedBy> | undefined;
  releaseLate(): void;
  close(): Promise<void>;
}

export type AdapterName = 'fastify' | 'express' | 'hono' | 'node:http';
export const ADAPTERS: readonly AdapterName[] = ['fastify', 'express', 'hono', 'node:http'];

/** The handlers' work, shared by every framework. */
class Work {
  late: Promise<ServedBy> | undefined;
  readonly #gate: Promise<void>;
  release!: () => void;

  constructor(private readonly pool: RoutedPool) {
    this.#gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  async answer(): Promise<Answer> {
    const useReplica = currentScope()?.useReplica ?? null;
    const { rows } = await this.pool.query<ServedBy>(`SELECT ${WHERE} FROM performance_framework LIMIT 1`);
    return { ...rows[0]!, useReplica };
  }

  /** Reads now, and leaves a read behind that runs after the response went out. */
  async answerAndLeave(): Promise<Answer> {
    this.late = this.#gate.then(async () => (await this.pool.query<ServedBy>(`SELECT ${WHERE}`)).rows[0]!);
    return this.answer();
  }
}

function collectingLogger(lines: LogLine[]): RouterLogger {
  return {
    debug: (fields, msg) => void lines.push({ level: 'debug', msg, fields: { ...fields } }),
    warn: (fields, msg) => void lines.push({ level: 'warn', msg, fields: { ...fields } }),
  };
}

/** HEAD has no body: the answer travels in headers too. */
function answerHeaders(a: Answer): Record<string, string> {
  return { 'x-in-recovery': String(a.in_recovery), 'x-server-port': String(a.server_port) };
}

function listening(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function closing(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const OPTED_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'DELETE'] as const;

async function fastifyApp(pool: RoutedPool, work: Work, lines: LogLine[]) {
  const app = Fastify({
    logger: {
      level: 'debug',
      stream: {
        write(line: string) {
          const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg: string };
          if (level === 20 || level === 40)
            lines.push({ level: level === 20 ? 'debug' : 'warn', msg, fields });
        },
      },
    },
  });
  await app.register(readReplicaPlugin, { pool });
  const send = async (reply: { headers(h: Record<string, string>): unknown }, a: Promise<Answer>) => {
    const answer = await a;
    reply.headers(answerHeaders(answer));
    return answer;
  };
  const opted = { config: { readReplica: true } };
  app.route({
    method: [...OPTED_METHODS],
    url: '/opted',
    ...opted,
    handler: (_q, r) => send(r, work.answer()),
  });
  app.get('/opted/late', opted, (_q, r) => send(r, work.answerAndLeave()));
  app.get('/plain', (_q, r) => send(r, work.answer()));
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
}

async function expressApp(pool: RoutedPool, work: Work, lines: LogLine[]) {
  const app = express();
  const opted = expressReadReplica({ pool, log: collectingLogger(lines) });
  const send = (res: express.Response, a: Promise<Answer>) =>
    a.then((answer) => res.set(answerHeaders(answer)).json(answer));
  app.all('/opted', opted, (req, res) => {
    if (!(OPTED_METHODS as readonly string[]).includes(req.method)) return res.sendStatus(405);
    return send(res, work.answer());
  });
  app.get('/opted/late', opted, (_req, res) => send(res, work.answerAndLeave()));
  app.get('/plain', (_req, res) => send(res, work.answer()));
  const server = createServer(app);
  return { baseUrl: await listening(server), close: () => closing(server) };
}

async function honoApp(pool: RoutedPool, work: Work, lines: LogLine[]) {
  const app = new Hono();
  const opted = honoReadReplica({ pool, log: collectingLogger(lines) });
  const send = async (
    c: { json(a: Answer, s: 200, h: Record<string, string>): Response },
    a: Promise<Answer>,
  ) => {
    const answer = await a;
    return c.json(answer, 200, answerHeaders(answer));
  };
  app.on([...OPTED_METHODS], '/opted', opted, (c) => send(c, work.answer()));
  app.get('/opted/late', opted, (c) => send(c, work.answerAndLeave()));
  app.get('/plain', (c) => send(c, work.answer()));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise((resolve) => (server.listening ? resolve(undefined) : server.once('listening', resolve)));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closing(server),
  };
}

async function nodeHttpApp(pool: RoutedPool, work: Work, lines: LogLine[]) {
  const send = async (res: ServerResponse, a: Promise<Answer>) => {
    const answer = await a;
    res.writeHead(200, { 'content-type': 'application/json', ...answerHeaders(answer) });
    res.end(JSON.stringify(answer));
  };
  const log = collectingLogger(lines);
  const opted = withReplicaScope((_req, res) => send(res, work.answer()), { pool, log });
  const optedLate = withReplicaScope((_req, res) => send(res, work.answerAndLeave()), { pool, log });
  const server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/opted') return void opted(req, res);
    if (path === '/opted/late') return void optedLate(req, res);
    return void send(res, work.answer());
  });
  return { baseUrl: await listening(server), close: () => closing(server) };
}

const builders = { fastify: fastifyApp, express: expressApp, hono: honoApp, 'node:http': nodeHttpApp };

/** Start the app on `adapter` with `pool`; `close()` stops listening (the pool stays open). */
export async function startAdapterApp(adapter: AdapterName, pool: RoutedPool): Promise<AdapterApp> {
  const lines: LogLine[] = [];
  const work = new Work(pool);
  const { baseUrl, close } = await builders[adapter](pool, work, lines);
  return {
    baseUrl,
    lines,
    get late() {
      return work.late;
    },
    releaseLate: () => work.release(),
    close,
  };
}
