import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { testConfig } from '@video/shared/testing';
import type { Config } from '@video/shared/config';
import { buildApp, type WebDeps } from '../src/app.js';

export interface Upstream {
  app: FastifyInstance;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A throwaway upstream on 127.0.0.1, port 0. */
export async function startUpstream(setup: (app: FastifyInstance) => void | Promise<void>): Promise<Upstream> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  await setup(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, url: `http://127.0.0.1:${port}`, port, close: () => app.close() };
}

/** A port with nothing listening on it (a server that was started and closed). */
export async function deadPort(): Promise<number> {
  const up = await startUpstream(() => undefined);
  await up.close();
  return up.port;
}

export interface Seen {
  method: string;
  url: string;
  headers: FastifyRequest['headers'];
  bodyLength: number;
  bodySha: string;
  bodyText: string;
}

/** Accepts any body as bytes and records what arrived. */
function recordBodies(app: FastifyInstance, seen: Seen[]) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('preHandler', async (request) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    seen.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      bodyLength: body.length,
      bodySha: createHash('sha256').update(body).digest('hex'),
      bodyText: body.length <= 4096 ? body.toString('utf8') : '',
    });
  });
}

export interface FakeApi extends Upstream {
  seen: Seen[];
  sessions: Map<string, string>;
  users: Map<string, string>;
}

const NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;

/**
 * An api that speaks the contract's sign-up, sign-in and session routes, and echoes everything else
 * as {method, url, headers, body}. `/status/:code` answers with that status.
 */
export async function startFakeApi(): Promise<FakeApi> {
  const seen: Seen[] = [];
  const sessions = new Map<string, string>();
  const users = new Map<string, string>();
  const err = (code: string, error: string) => ({ error, error_code: code });
  const parse = (request: FastifyRequest) => {
    try {
      return JSON.parse((request.body as Buffer).toString('utf8')) as { user_name?: unknown; pwd?: unknown };
    } catch {
      return {};
    }
  };
  const up = await startUpstream((app) => {
    recordBodies(app, seen);
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.post('/user', async (request, reply) => {
      const { user_name, pwd } = parse(request);
      if (typeof user_name !== 'string' || !NAME.test(user_name)) return reply.code(400).send(err('001', 'user_name is not valid'));
      if (typeof pwd !== 'string' || pwd.length < 6) return reply.code(400).send(err('001', 'pwd is not valid'));
      if (users.has(user_name)) return reply.code(409).send(err('007', 'user name already taken'));
      if (user_name === 'slow-down') return reply.code(429).header('retry-after', '42').send(err('008', 'too many requests'));
      users.set(user_name, pwd);
      const id = randomUUID();
      sessions.set(id, user_name);
      return reply.code(201).send({ success: true, session_id: id });
    });
    app.post('/user/:name', async (request, reply) => {
      const { user_name, pwd } = parse(request);
      const { name } = request.params as { name: string };
      if (user_name !== name) return reply.code(400).send(err('001', 'user_name does not match the path'));
      if (users.get(name) !== pwd) return reply.code(401).send(err('002', 'wrong user name or password'));
      const id = randomUUID();
      sessions.set(id, name);
      return reply.code(200).send({ success: true, session_id: id });
    });
    app.get('/session', async (request, reply) => {
      const id = String(request.headers['x-session-id'] ?? '');
      const user = sessions.get(id);
      if (!user) return reply.code(401).send(err('002', 'session is unknown or expired'));
      return { id, user_name: user, expires_at: new Date(Date.now() + 60_000).toISOString() };
    });
    app.delete('/session', async (request, reply) => {
      const id = String(request.headers['x-session-id'] ?? '');
      if (!sessions.delete(id)) return reply.code(401).send(err('002', 'session is unknown or expired'));
      return reply.code(204).send();
    });
    app.all('/status/:code', async (request, reply) => {
      const code = Number((request.params as { code: string }).code);
      return reply.code(code).header('retry-after', '7').send(err('006', `status ${code}`));
    });
    app.all('/*', async (request) => {
      const last = seen[seen.length - 1];
      return { method: request.method, url: request.url, headers: request.headers, body: last?.bodyText ?? '' };
    });
  });
  return Object.assign(up, { seen, sessions, users });
}

export interface FakeStream extends Upstream {
  seen: Seen[];
  file: Buffer;
}

/** A stream server: GET/HEAD /videos/:id with single ranges, POST /upload/:id recording the body. */
export async function startFakeStream(): Promise<FakeStream> {
  const seen: Seen[] = [];
  const file = Buffer.alloc(256 * 1024);
  for (let i = 0; i < file.length; i++) file[i] = i % 251;
  const up = await startUpstream((app) => {
    recordBodies(app, seen);
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.route({
      method: ['GET', 'HEAD'],
      url: '/videos/:id',
      handler: async (request, reply) => {
        reply.header('accept-ranges', 'bytes').header('content-type', 'video/mp4');
        const m = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range ?? ''));
        if (!m) return reply.header('content-length', file.length).send(file);
        const start = Number(m[1]);
        const end = m[2] ? Math.min(Number(m[2]), file.length - 1) : file.length - 1;
        if (start >= file.length) return reply.code(416).header('content-range', `bytes */${file.length}`).send();
        return reply
          .code(206)
          .header('content-range', `bytes ${start}-${end}/${file.length}`)
          .send(file.subarray(start, end + 1));
      },
    });
    // Derived files (posters, HLS): the answer names the path and query that reached this server.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/videos/:id/*',
      handler: async (request, reply) => reply.header('content-type', 'text/plain').send(`derived ${request.url}`),
    });
    app.post('/upload/:id', async (request, reply) => {
      const last = seen[seen.length - 1];
      return reply.code(201).send({ success: true, id: (request.params as { id: string }).id, size: last.bodyLength });
    });
  });
  return Object.assign(up, { seen, file });
}

/** Listens on 127.0.0.1, port 0. */
export async function listen(app: FastifyInstance): Promise<{ base: string; port: number }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { base: `http://127.0.0.1:${port}`, port };
}

export async function buildWeb(overrides: Partial<Config>, deps: WebDeps = {}): Promise<FastifyInstance> {
  return buildApp(testConfig(overrides), { logger: false, ...deps });
}

/** A web whose api and stream server cannot be reached (nothing listens on their port). */
export async function buildWebWithoutUpstreams(): Promise<FastifyInstance> {
  const port = await deadPort();
  return buildWeb({ api_url: `http://127.0.0.1:${port}`, stream_url: `http://127.0.0.1:${port}` });
}

/** The `session` cookie a response sets (its raw Set-Cookie line), if any. */
export function sessionSetCookie(headers: Record<string, unknown>): string | undefined {
  const raw = headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return all.find((c) => c.startsWith('session='));
}

/** A whole answer: status, headers (also as the raw list, order kept), body. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  raw: [string, string][];
  body: Buffer;
}

/** One request on `agent` (none: a fresh connection), the whole answer read. */
export function request(base: string, path: string, headers: http.OutgoingHttpHeaders = {}, agent: http.Agent | false = false, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
