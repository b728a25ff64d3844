import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import type { Config } from '@video/shared';
import { WS_MAX_BUFFERED, WS_MAX_PAYLOAD } from '../../src/proxy/ws-guard-plugin.js';
import { buildWeb, startUpstream, type Upstream } from '../helper.js';

let up: Upstream;
let web: FastifyInstance;
let wsBase: string;
let upstreamClosed = 0;
const bigFrames: number[] = [];

beforeAll(async () => {
  up = await startUpstream(async (app) => {
    await app.register(websocket, { options: { maxPayload: 64 * 1024 * 1024 } });
    app.get('/danmaku/ws', { websocket: true }, (socket, request) => {
      socket.on('close', () => upstreamClosed++);
      socket.on('message', (m: Buffer) => {
        if (m.length > WS_MAX_PAYLOAD) bigFrames.push(m.length);
        // "flood": pushes far more than any client should buffer, as fast as the web takes it.
        if (m.toString() === 'flood') {
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          let sent = 0;
          const pump = () => {
            while (socket.readyState === socket.OPEN && sent < 64 * 1024 * 1024 && socket.bufferedAmount < 1024 * 1024) {
              socket.send(chunk);
              sent += chunk.length;
            }
            if (socket.readyState === socket.OPEN && sent < 64 * 1024 * 1024) setTimeout(pump, 5);
          };
          pump();
        } else socket.send(`echo:${m.length}`);
      });
      void request;
    });
  });
  web = await buildWeb({ api_url: up.url, stream_url: up.url, ws_max_per_address: 3 } as Partial<Config>);
  await web.listen({ port: 0, host: '127.0.0.1' });
  wsBase = `ws://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await web?.close();
  await up?.close();
});

function open(headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/api/danmaku/ws?id=v1`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
const closed = (ws: WebSocket) => new Promise<number>((r) => (ws.readyState === ws.CLOSED ? r(-1) : ws.once('close', (code) => r(code))));

describe('WebSocket guard', () => {
  it('a frame larger than the api accepts is refused by the web (1009) and never reaches the api', async () => {
    const ws = await open();
    ws.on('error', () => undefined);
    ws.send(Buffer.alloc(WS_MAX_PAYLOAD + 1));
    expect(await closed(ws)).toBe(1009);
    expect(bigFrames).toEqual([]);
    const ok = await open();
    const echo = new Promise<string>((r) => ok.once('message', (m) => r(m.toString())));
    ok.send(Buffer.alloc(WS_MAX_PAYLOAD));
    expect(await echo).toBe(`echo:${WS_MAX_PAYLOAD}`);
    ok.close();
    await closed(ok);
  });

  it('a foreign Origin is refused with 403; the site’s own Origin and none are accepted', async () => {
    await expect(open({ origin: 'http://evil.test' })).rejects.toThrow('status 403');
    const own = await open({ origin: wsBase.replace('ws:', 'http:') });
    const bare = await open();
    own.close();
    bare.close();
    await Promise.all([closed(own), closed(bare)]);
  });

  it('one address holds at most ws_max_per_address sockets; a closed one frees its place', async () => {
    const held = [await open(), await open(), await open()];
    await expect(open()).rejects.toThrow('status 429');
    held[0].close();
    await closed(held[0]);
    await new Promise((r) => setTimeout(r, 200));
    const next = await open();
    for (const ws of [...held.slice(1), next]) ws.close();
    await Promise.all([...held.slice(1), next].map(closed));
  });

  it('a client that never reads is closed once its unsent data passes the bound', async () => {
    const before = upstreamClosed;
    const ws = await open();
    ws.on('error', () => undefined);
    ws.send('flood');
    // Stop reading: the kernel buffers fill, then the web's own buffer for this peer grows.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 200 && upstreamClosed === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(upstreamClosed, `the web kept buffering past ${WS_MAX_BUFFERED} bytes`).toBeGreaterThan(before);
    ws.terminate();
  }, 20_000);
});
