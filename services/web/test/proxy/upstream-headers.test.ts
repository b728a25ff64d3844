import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { upstreamHeaders, type ClientHop } from '../../src/proxy/upstream-headers.js';

const hop: ClientHop = { ip: '203.0.113.7' };
const none: Record<string, string> = {};

describe('upstreamHeaders', () => {
  it.each<[string, IncomingHttpHeaders, string | undefined]>([
    ['the cookie when no header is sent', { cookie: 'session=c-1' }, 'c-1'],
    ['the caller’s header over a different cookie', { cookie: 'session=c-1', 'x-session-id': 'h-1' }, 'h-1'],
    ['the caller’s header with no cookie', { 'x-session-id': 'h-1' }, 'h-1'],
    ['the header trimmed', { 'x-session-id': '  h-1 ' }, 'h-1'],
    ['the cookie when the header is blank', { cookie: 'session=c-1', 'x-session-id': '  ' }, 'c-1'],
    ['the session cookie among others', { cookie: 'theme=dark; session=c%2D1; lang=en' }, 'c-1'],
    ['nothing for another cookie only', { cookie: 'theme=dark' }, undefined],
    ['nothing for an empty session cookie', { cookie: 'session=' }, undefined],
    ['nothing when there is neither', {}, undefined],
  ])('X-Session-Id: %s', (_name, incoming, expected) => {
    expect(upstreamHeaders(none, incoming, hop)['x-session-id']).toBe(expected);
  });

  it('keeps what the base carries when no session is found', () => {
    expect(upstreamHeaders({ 'x-session-id': ' ' }, {}, hop)['x-session-id']).toBe(' ');
  });

  it.each<[string, ClientHop, Record<string, string>]>([
    ['the address only', { ip: '10.0.0.1' }, { 'x-forwarded-for': '10.0.0.1' }],
    ['the address and request id', { ip: '10.0.0.1', requestId: 'r-1' }, { 'x-forwarded-for': '10.0.0.1', 'x-request-id': 'r-1' }],
    [
      'every part',
      { ip: '10.0.0.1', proto: 'https', host: 'site.example', requestId: 'r-1' },
      { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'site.example', 'x-request-id': 'r-1' },
    ],
  ])('forwards %s', (_name, given, expected) => {
    expect(upstreamHeaders(none, {}, given)).toEqual(expected);
  });

  it('drops a client’s X-Accel-Allowed (only the balancer may say a request came through it)', () => {
    const out = upstreamHeaders({ 'x-accel-allowed': '1', accept: 'video/*' }, { 'x-accel-allowed': '1' }, hop);
    expect(out['x-accel-allowed']).toBeUndefined();
    expect(out.accept).toBe('video/*');
  });

  it('replaces a client’s own X-Forwarded-For and keeps the base’s other headers', () => {
    const out = upstreamHeaders({ 'x-forwarded-for': '6.6.6.6', accept: 'video/*', 'content-length': 0 }, {}, hop);
    expect(out).toEqual({ 'x-forwarded-for': '203.0.113.7', accept: 'video/*', 'content-length': 0 });
  });
});
