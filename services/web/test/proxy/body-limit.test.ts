import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { twoOnOneConnection } from '../../../../test/system/harness/raw.js';
import { buildWeb, listen, type Upstream } from '../helper.js';

describe('a body too large for the api', () => {
  let strict: Upstream;
  let strictWeb: FastifyInstance;
  let strictPort: number;
  let strictBase: string;

  beforeAll(async () => {
    // A real Fastify with the services' 1 MiB limit: it refuses and closes while the body is still coming.
    const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    app.post('/user', async () => ({ ok: true }));
    app.post('/videos/:id/comments', async () => ({ ok: true }));
    app.get('/x', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    strict = { app, url, port: 0, close: () => app.close() };
    strictWeb = await buildWeb({ api_url: url, stream_url: url });
    ({ base: strictBase, port: strictPort } = await listen(strictWeb));
  });
  afterAll(async () => {
    // A refused body may still be lingering on a connection: cut everything so the run ends.
    strictWeb?.server.closeAllConnections();
    strict?.app.server.closeAllConnections();
    await strictWeb?.close();
    await strict?.close();
  });

  const big = JSON.stringify({ content: 'x'.repeat(2_000_000) });

  it.each(['/api/user', '/api/videos/v1/comments'])('POST %s with 2 MB of JSON is the api’s 413 009, and the connection stays usable', async (url) => {
    for (let i = 0; i < 2; i++) {
      const answers = await twoOnOneConnection(
        strictPort,
        Buffer.from(`POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(big)}\r\n\r\n${big}`),
        'GET /api/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      );
      expect(answers).toEqual({ first: 'HTTP/1.1 413 Payload Too Large', second: 'HTTP/1.1 200 OK' });
    }
    const res = await fetch(`${strictBase}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_code: '009' });
  });

  it('a chunked body (no declared length) over the limit is a 413 009 too', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    async function* body() {
      for (let i = 0; i < 8; i++) yield chunk;
    }
    const res = await fetch(`${strictBase}/api/user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body() as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error_code: '009' });
  });

  it('a small body still goes through', async () => {
    const res = await fetch(`${strictBase}/api/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(200);
  });
});