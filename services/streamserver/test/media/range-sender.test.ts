import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK, sendFileRange } from '@video/shared/files';

const dir = mkdtempSync(path.join(tmpdir(), 'range-sender-'));
const SIZE = 2 * CHUNK + 4321;
const bytes = randomBytes(SIZE);
let fd: number;
let server: http.Server;
let port: number;
const errors: Error[] = [];

beforeAll(async () => {
  const file = path.join(dir, 'f');
  writeFileSync(file, bytes);
  fd = openSync(file, 'r');
  // GET /start/end sends those bytes, promising end - start + 1 of them, whatever the file holds.
  server = http.createServer((req, res) => {
    const [start, end] = (req.url ?? '').split('/').slice(1).map(Number);
    res.writeHead(200, { 'content-length': end - start + 1 });
    sendFileRange(res, fd, start, end, (err) => errors.push(err));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function fetchRange(start: number, end: number): Promise<{ outcome: 'complete' | 'cut off'; body: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const req = http.get({ host: '127.0.0.1', port, path: `/${start}/${end}`, agent: false }, (res) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ outcome: 'complete', body: Buffer.concat(chunks) }));
      res.on('error', () => resolve({ outcome: 'cut off', body: Buffer.concat(chunks) }));
    });
    req.on('error', () => resolve({ outcome: 'cut off', body: Buffer.concat(chunks) }));
  });
}

describe('sendFileRange', () => {
  it.each([
    ['a small range (one synchronous read)', 10, 1009],
    ['a range across chunks', 1000, SIZE - 1],
    ['the whole file', 0, SIZE - 1],
  ])('sends %s byte for byte', async (_name, start, end) => {
    const res = await fetchRange(start, end);
    expect(res.outcome).toBe('complete');
    expect(res.body.equals(bytes.subarray(start, end + 1))).toBe(true);
  });

  it.each([
    ['a small range', SIZE - 100, SIZE + 899],
    ['a large range', CHUNK, SIZE + 3 * CHUNK],
  ])('cuts off %s that runs past the end of the file, and says why', async (_name, start, end) => {
    const before = errors.length;
    const res = await fetchRange(start, end);
    expect(res.outcome).toBe('cut off');
    expect(res.body.length).toBeLessThan(end - start + 1);
    expect(res.body.equals(bytes.subarray(start, start + res.body.length))).toBe(true);
    expect(errors.length).toBe(before + 1);
    expect(errors.at(-1)!.message).toMatch(/the file ended at byte/);
  });
});
