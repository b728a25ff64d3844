import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { upstreamHeaders } from '../../src/proxy/upstream-headers.js';

const hop = { ip: '203.0.113.7' };

describe('upstreamHeaders and Authorization: Bearer', () => {
  it.each<[string, IncomingHttpHeaders, string | undefined, string | undefined]>([
    ['a bearer token goes on as it is', { authorization: 'Bearer abc.def.ghi' }, 'Bearer abc.def.ghi', undefined],
    ['a bearer token beside the cookie: the cookie is not made a session', { authorization: 'Bearer t', cookie: 'session=c-1' }, 'Bearer t', undefined],
    ['X-Session-Id beside a bearer token: the header session stays first', { authorization: 'Bearer t', 'x-session-id': 'h-1' }, undefined, 'h-1'],
    ['another scheme is not a credential: the cookie still counts', { authorization: 'Basic eDp5', cookie: 'session=c-1' }, undefined, 'c-1'],
    ['the cookie alone as before', { cookie: 'session=c-1' }, undefined, 'c-1'],
  ])('%s', (_name, incoming, authorization, sessionId) => {
    const out = upstreamHeaders({}, incoming, hop) as Record<string, unknown>;
    expect(out.authorization).toBe(authorization);
    expect(out['x-session-id']).toBe(sessionId);
  });
});
