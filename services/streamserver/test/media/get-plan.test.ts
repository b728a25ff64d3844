import { describe, expect, it } from 'vitest';
import { AppError } from '@video/shared';
import { planGet, type GetPlan } from '@video/shared/files';

const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5);
const FILE = {
  size: 1000,
  etag: '"abc-1000"',
  lastModified: new Date(MTIME).toUTCString(),
  mtimeSec: MTIME / 1000,
};
const TYPE = 'video/webm';
const BASE = { 'accept-ranges': 'bytes', etag: FILE.etag, 'last-modified': FILE.lastModified };
const BEFORE = new Date(MTIME - 60_000).toUTCString();
const AFTER = new Date(MTIME + 60_000).toUTCString();

type Headers = Record<string, string>;
const plan = (headers: Headers, method = 'GET', size = FILE.size): GetPlan =>
  planGet({ method, headers, file: { ...FILE, size }, contentType: TYPE, boundary: () => 'BOUNDARY' });

/** The parts of a plan a table row states: status, kind, body range(s) and the headers that vary. */
interface Summary {
  kind: GetPlan['kind'];
  status: number;
  body: unknown;
  type: string | number | undefined;
  range: string | number | undefined;
  length: string | number | undefined;
}
function summary(p: GetPlan): Summary {
  const h = p.headers;
  const body = p.kind === 'bytes' ? p.body : p.kind === 'multipart' ? p.parts.map((part) => part.range) : undefined;
  return { kind: p.kind, status: p.status, body, type: h['content-type'], range: h['content-range'], length: h['content-length'] };
}

describe('planGet', () => {
  it.each<[string, Headers, string, Summary]>([
    ['full GET', {}, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['HEAD: the same headers, no body', {}, 'HEAD', { kind: 'bytes', status: 200, body: undefined, type: TYPE, range: undefined, length: 1000 }],
    ['single range', { range: 'bytes=10-19' }, 'GET', { kind: 'bytes', status: 206, body: { start: 10, end: 19 }, type: TYPE, range: 'bytes 10-19/1000', length: 10 }],
    ['HEAD of a single range', { range: 'bytes=10-19' }, 'HEAD', { kind: 'bytes', status: 206, body: undefined, type: TYPE, range: 'bytes 10-19/1000', length: 10 }],
    ['open-ended range', { range: 'bytes=990-' }, 'GET', { kind: 'bytes', status: 206, body: { start: 990, end: 999 }, type: TYPE, range: 'bytes 990-999/1000', length: 10 }],
    ['suffix range', { range: 'bytes=-100' }, 'GET', { kind: 'bytes', status: 206, body: { start: 900, end: 999 }, type: TYPE, range: 'bytes 900-999/1000', length: 100 }],
    ['a range past the end is clamped', { range: 'bytes=500-5000' }, 'GET', { kind: 'bytes', status: 206, body: { start: 500, end: 999 }, type: TYPE, range: 'bytes 500-999/1000', length: 500 }],
    ['a malformed Range is ignored', { range: 'bytes=abc' }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['another unit is ignored', { range: 'items=0-1' }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['overlapping ranges: the whole file', { range: 'bytes=0-99,50-149' }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['If-Range with the current etag: the range', { range: 'bytes=0-9', 'if-range': FILE.etag }, 'GET', { kind: 'bytes', status: 206, body: { start: 0, end: 9 }, type: TYPE, range: 'bytes 0-9/1000', length: 10 }],
    ['If-Range with another etag: the whole file', { range: 'bytes=0-9', 'if-range': '"old"' }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['If-Range with the exact date: the range', { range: 'bytes=0-9', 'if-range': FILE.lastModified }, 'GET', { kind: 'bytes', status: 206, body: { start: 0, end: 9 }, type: TYPE, range: 'bytes 0-9/1000', length: 10 }],
    ['If-Range with another date: the whole file', { range: 'bytes=0-9', 'if-range': BEFORE }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['If-Range failing also skips an unsatisfiable range', { range: 'bytes=5000-', 'if-range': '"old"' }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['304 by If-None-Match', { 'if-none-match': FILE.etag }, 'GET', { kind: 'not-modified', status: 304, body: undefined, type: undefined, range: undefined, length: undefined }],
    ['304 by a weak If-None-Match', { 'if-none-match': `W/${FILE.etag}` }, 'GET', { kind: 'not-modified', status: 304, body: undefined, type: undefined, range: undefined, length: undefined }],
    ['304 by If-Modified-Since', { 'if-modified-since': AFTER }, 'GET', { kind: 'not-modified', status: 304, body: undefined, type: undefined, range: undefined, length: undefined }],
    ['304 wins over Range', { 'if-none-match': '*', range: 'bytes=0-9' }, 'GET', { kind: 'not-modified', status: 304, body: undefined, type: undefined, range: undefined, length: undefined }],
    ['If-None-Match with another tag: 200', { 'if-none-match': '"old"', 'if-modified-since': AFTER }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['If-Modified-Since before the change: 200', { 'if-modified-since': BEFORE }, 'GET', { kind: 'bytes', status: 200, body: { start: 0, end: 999 }, type: TYPE, range: undefined, length: 1000 }],
    ['If-Match with the current etag goes on', { 'if-match': FILE.etag, range: 'bytes=0-0' }, 'GET', { kind: 'bytes', status: 206, body: { start: 0, end: 0 }, type: TYPE, range: 'bytes 0-0/1000', length: 1 }],
  ])('%s', (_name, headers, method, expected) => {
    const p = plan(headers, method);
    expect(summary(p)).toEqual(expected);
    expect(p.headers).toMatchObject(BASE);
  });

  it.each<[string, Headers, number, Record<string, string> | undefined]>([
    ['412 by If-Match', { 'if-match': '"old"' }, 412, undefined],
    ['412 by a weak If-Match (strong comparison)', { 'if-match': `W/${FILE.etag}` }, 412, undefined],
    ['412 by If-Unmodified-Since', { 'if-unmodified-since': BEFORE }, 412, undefined],
    ['412 wins over 304', { 'if-match': '"old"', 'if-none-match': FILE.etag }, 412, undefined],
    ['416 for a range past the end', { range: 'bytes=1000-' }, 416, { 'content-range': 'bytes */1000' }],
    ['416 for a zero suffix', { range: 'bytes=-0' }, 416, { 'content-range': 'bytes */1000' }],
  ])('%s', (_name, headers, status, errorHeaders) => {
    const p = plan(headers);
    expect(p.kind).toBe('error');
    if (p.kind !== 'error') return;
    expect(p.status).toBe(status);
    expect(p.error).toBeInstanceOf(AppError);
    expect(p.error.statusCode).toBe(status);
    if (errorHeaders) expect(p.error.headers).toMatchObject(errorHeaders);
    expect(p.headers).toEqual(BASE);
  });

  it('an empty file: 200 without a body', () => {
    expect(summary(plan({}, 'GET', 0))).toEqual({ kind: 'bytes', status: 200, body: undefined, type: TYPE, range: undefined, length: 0 });
  });

  it('several ranges: a multipart body with its framing and exact length', () => {
    const p = plan({ range: 'bytes=0-9,100-109' });
    expect(p.kind).toBe('multipart');
    if (p.kind !== 'multipart' || !p.tail) return;
    expect(p.status).toBe(206);
    expect(p.headers['content-type']).toBe('multipart/byteranges; boundary=BOUNDARY');
    expect(p.parts.map((part) => part.range)).toEqual([{ start: 0, end: 9 }, { start: 100, end: 109 }]);
    expect(p.parts[0].head.toString()).toBe(`--BOUNDARY\r\nContent-Type: ${TYPE}\r\nContent-Range: bytes 0-9/1000\r\n\r\n`);
    expect(p.parts[1].head.toString()).toBe(`\r\n--BOUNDARY\r\nContent-Type: ${TYPE}\r\nContent-Range: bytes 100-109/1000\r\n\r\n`);
    expect(p.tail.toString()).toBe('\r\n--BOUNDARY--\r\n');
    const framing = p.parts.reduce((n, part) => n + part.head.length, p.tail.length);
    expect(p.headers['content-length']).toBe(framing + 20);
  });

  it('HEAD of several ranges: the multipart headers, no parts', () => {
    const get = plan({ range: 'bytes=0-9,100-109' });
    const head = plan({ range: 'bytes=0-9,100-109' }, 'HEAD');
    expect(head).toMatchObject({ kind: 'multipart', status: 206, parts: [], tail: undefined });
    expect(head.headers).toEqual(get.headers);
  });
});
