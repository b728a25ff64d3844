import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, openSync, readFileSync, writeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { insertSession, insertUser, insertVideo, type Config, type Db, type DialectName } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp, type AppDeps } from '../src/app.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const MP4 = path.join(FIXTURES, 'sample.mp4');
export const WEBM = path.join(FIXTURES, 'sample.webm');
export const mp4Bytes = () => readFileSync(MP4);

export interface Harness {
  app: FastifyInstance;
  db: Db;
  config: Config;
  close(): Promise<void>;
}

/** A streamserver on a fresh database and video dir. */
export async function startApp(dialect: DialectName, overrides: Partial<Config> = {}, deps: AppDeps = {}): Promise<Harness> {
  const t = await openTestDb(dialect);
  const config = testConfig(overrides);
  const app = await buildApp(config, { db: t.db, logger: false, ...deps });
  return {
    app,
    db: t.db,
    config,
    close: async () => {
      await app.close();
      await t.close();
    },
  };
}

/** A user with a live session; returns its id and session id. */
export async function makeUser(db: Db, name = `u${randomUUID().slice(0, 8)}`): Promise<{ userId: number; sessionId: string }> {
  const now = Date.now();
  const userId = await insertUser(db.kysely, { user_name: name, pwd_hash: 'x', create_time: now });
  const sessionId = randomUUID();
  await insertSession(db.kysely, { id: sessionId, user_id: userId, create_time: now, expires_at: now + 3_600_000 });
  return { userId, sessionId };
}

/** A live video row owned by `authorId`, optionally with a file copied from `fixture`. */
export async function makeVideo(
  h: Pick<Harness, 'db' | 'config'>,
  authorId: number,
  opts: { fixture?: string; contentType?: string | null; deleted?: boolean } = {},
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await insertVideo(h.db.kysely, {
    id,
    author_id: authorId,
    name: 'clip',
    display_ctime: 'Jan 02 2006, 15:04:05',
    create_time: now,
    deleted_at: opts.deleted ? now : null,
    upload_state: opts.fixture ? 'ready' : 'pending',
    size: null,
    content_type: opts.contentType ?? null,
    updated_at: now,
  });
  if (opts.fixture) copyFileSync(opts.fixture, path.join(h.config.video_dir, id));
  return id;
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return `http://127.0.0.1:${addr.port}`;
}

export interface RawResponse {
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  body: Buffer;
}

/** A request over a real socket with the path sent exactly as given (no URL normalisation). */
export function rawRequest(
  base: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path: rawPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        // One request per connection: the server may still be waiting for a body it refused to read.
        req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts a download and destroys the socket as soon as the headers arrive. */
export function abortAfterHeaders(base: string, rawPath: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: rawPath, agent: false }, (res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
}

/** Polls `cond` every 10 ms until it holds, failing after `ms`. */
export async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Far more than loopback socket buffers hold, so a client that reads nothing really stalls the response. */
export const BIG_FILE_BYTES = 48 * 1024 * 1024;

/** A BIG_FILE_BYTES file of random bytes that sniffs as MP4. */
export function writeBigFile(file: string): void {
  const fd = openSync(file, 'w');
  const block = randomBytes(1024 * 1024);
  block.write('\x00\x00\x00\x20ftypisom', 0, 'latin1');
  for (let i = 0; i < BIG_FILE_BYTES / block.length; i++) writeSync(fd, block);
  closeSync(fd);
}
