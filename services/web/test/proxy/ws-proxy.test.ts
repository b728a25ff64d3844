import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import { buildWeb, startUpstream, type Upstream } from '../helper.js';

describe('WebSocket through /api/*', () => {
  let wsUp: Upstream;
  let wsWeb: FastifyInstance;
  let wsBase: string;
  beforeAll(async () => {
    wsUp = await startUpstream(async (app) => {
      await app.register(websocket);
      app.get('/danmaku/ws', { websocket: true }, (socket, request) => {
        socket.send(JSON.stringify({ session: request.headers['x-session-id'] ?? null, url: request.url }));
        socket.on('message', (m: Buffer) => socket.send(`echo:${m.toString()}`));
      });
    });
    wsWeb = await buildWeb({ api_url: wsUp.url, stream_url: wsUp.url });
    await wsWeb.listen({ port: 0, host: '127.0.0.1' });
    wsBase = `ws://127.0.0.1:${(wsWeb.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await wsWeb?.close();
    await wsUp?.close();
  });

  it('proxies the socket with the session from the cookie', async () => {
    const ws = new WebSocket(`${wsBase}/api/danmaku/ws?id=v1`, { headers: { cookie: 'session=sess-9' } });
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no messages')), 5_000);
      ws.on('message', (m) => {
        messages.push(m.toString());
        if (messages.length === 1) ws.send('hi');
        if (messages.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(JSON.parse(messages[0])).toEqual({ session: 'sess-9', url: '/danmaku/ws?id=v1' });
    expect(messages[1]).toBe('echo:hi');
  });

  it('keeps the caller’s own X-Session-Id over a different cookie', async () => {
    const ws = new WebSocket(`${wsBase}/api/danmaku/ws?id=v1`, { headers: { cookie: 'session=from-cookie', 'x-session-id': 'from-header' } });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message')), 5_000);
      ws.once('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString());
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(JSON.parse(first)).toEqual({ session: 'from-header', url: '/danmaku/ws?id=v1' });
  });
});
