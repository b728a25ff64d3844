import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import { buildWeb, startUpstream, type Upstream } from '../helper.js';

let up: Upstream;
let web: FastifyInstance;
let base: string;

beforeAll(async () => {
  up = await startUpstream(async (app) => {
    await app.register(websocket);
    app.get('/danmaku/ws', { websocket: true }, (socket, request) => {
      socket.send(JSON.stringify({ authorization: request.headers.authorization ?? null, session: request.headers['x-session-id'] ?? null }));
    });
  });
  web = await buildWeb({ api_url: up.url, stream_url: up.url });
  await web.listen({ port: 0, host: '127.0.0.1' });
  base = `ws://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await web?.close();
  await up?.close();
});

function firstMessage(headers: Record<string, string>): Promise<unknown> {
  const ws = new WebSocket(`${base}/api/danmaku/ws?id=v1`, { headers });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message')), 5_000);
    ws.once('message', (m) => {
      clearTimeout(timer);
      ws.close();
      resolve(JSON.parse(m.toString()));
    });
    ws.on('error', reject);
  });
}

it('a WebSocket through /api/* carries the caller’s bearer token, and no session made from the cookie', async () => {
  expect(await firstMessage({ authorization: 'Bearer a.b.c', cookie: 'session=c-1' })).toEqual({ authorization: 'Bearer a.b.c', session: null });
  expect(await firstMessage({ cookie: 'session=c-1' })).toEqual({ authorization: null, session: 'c-1' });
});
