import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A stand-in for an error-tracking server on 127.0.0.1: it keeps the raw text of every envelope
 * the SDK posts (a DSN `http://key@127.0.0.1:<port>/1` posts to /api/1/envelope/).
 */
export interface EnvelopeCollector {
  dsn: string;
  envelopes: string[];
  /** Waits (bounded) until an envelope matching `test` has arrived, and returns it. */
  waitFor(test: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startEnvelopeCollector(): Promise<EnvelopeCollector> {
  const envelopes: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      if (req.method === 'POST' && req.url?.startsWith('/api/1/envelope')) envelopes.push(body.toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    envelopes,
    async waitFor(test, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = envelopes.find(test);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`no matching envelope within ${timeoutMs} ms (got ${envelopes.length})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
