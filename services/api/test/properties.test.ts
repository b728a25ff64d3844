import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, createVideo, postComment, signUp, uniqueName, type TestApp } from './helper.js';

/** Percent-encodes every UTF-8 byte (a lone surrogate becomes U+FFFD, as on the wire). */
const encodeAll = (s: string) => Array.from(Buffer.from(s, 'utf8'), (b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const STATUS_OF_CODE = new Map<string, number>(Object.values(ErrorCodes).map((e) => [e.code, e.status]));
const NUM_RUNS = 30;

/** Strings that have broken other services: SQL, NUL, path tricks, huge, mixed scripts, lone surrogates. */
const oddString = fc.oneof(
  fc.constantFrom(
    "' OR '1'='1",
    "x'; DROP TABLE users; --",
    '" OR ""="',
    '\u0000',
    'a\u0000b',
    '..%2F..%2Fetc%2Fpasswd',
    '../../etc/passwd',
    '%00',
    '\ud800',
    'Ωмир中文😀ا',
    'e\u0301\u0301\u0301',
    '\u202e\u200b',
    ' ',
    '',
    'a'.repeat(70_000),
    '{"$gt":""}',
    '<script>alert(1)</script>',
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
);

/** Anything JSON can say, with odd strings among the leaves. */
const oddJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom('user_name', 'pwd', 'name', 'content', 'author_id', '__proto__', 'constructor'), fc.oneof(oddString, fc.jsonValue({ maxDepth: 2 }))),
  fc.record({ user_name: oddString, pwd: oddString }),
  fc.record({ name: oddString }),
  fc.record({ content: oddString }),
);

/** Raw bodies that are not valid JSON at all. */
const brokenJson = fc.oneof(
  fc.constantFrom('{', '{"user_name":', 'nul', '[1,2', '{"a":1}}', '\u0000', '{"content": "\\ud800"', "{'a':1}"),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);

function expectClientOrSuccess(res: LightMyRequestResponse): void {
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const body = res.json() as { error?: unknown; error_code?: unknown };
    expect(typeof body.error).toBe('string');
    expect(STATUS_OF_CODE.get(String(body.error_code))).toBe(res.statusCode);
  }
}

function expectClientError(res: LightMyRequestResponse): void {
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expectClientOrSuccess(res);
}

describe.each(testDialects())('odd input at every route on %s', (dialect) => {
  let t: TestApp;
  let user: { name: string; sid: string; id: number };
  let video: { id: string };
  let comment: { id: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    user = await signUp(t.app, uniqueName('prop'));
    video = await createVideo(t.app, user);
    comment = await postComment(t.app, user.sid, video.id);
  });
  afterAll(async () => t?.close());

  const bodyRoutes = () => [
    { method: 'POST' as const, url: '/user' },
    { method: 'POST' as const, url: `/user/${user.name}` },
    { method: 'POST' as const, url: `/user/${user.name}/videos` },
    { method: 'POST' as const, url: `/videos/${video.id}/comments` },
  ];
  const allRoutes = (seg: string) => [
    { method: 'POST' as const, url: '/user' },
    { method: 'POST' as const, url: `/user/${seg}` },
    { method: 'GET' as const, url: `/user/${seg}` },
    { method: 'DELETE' as const, url: `/user/${seg}/x` },
    { method: 'POST' as const, url: `/user/${seg}/videos` },
    { method: 'GET' as const, url: `/user/${seg}/videos` },
    { method: 'GET' as const, url: `/user/${user.name}/videos/${seg}` },
    { method: 'DELETE' as const, url: `/user/${user.name}/videos/${seg}` },
    { method: 'GET' as const, url: `/videos/${seg}/comments` },
    { method: 'POST' as const, url: `/videos/${seg}/comments` },
    { method: 'DELETE' as const, url: `/videos/${video.id}/comment/${seg}` },
    { method: 'DELETE' as const, url: `/videos/${seg}/comments/${comment.id}` },
    { method: 'GET' as const, url: '/session' },
  ];

  it('any JSON body: a 4xx in the error shape or a success, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes()), oddJson, async (route, body) => {
        const res = await t.app.inject({
          ...route,
          headers: { 'x-session-id': user.sid, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expectClientOrSuccess(res);
        if (res.statusCode === 201 && route.url === '/user') expect(res.json().session_id).toEqual(expect.any(String));
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('bodies of the wrong type or not JSON at all: always a 4xx', async () => {
    const wrongType = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
      fc.record({ user_name: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string())), pwd: fc.integer() }),
      fc.record({ name: fc.oneof(fc.integer(), fc.constant(null), fc.object()) }),
      fc.record({ content: fc.oneof(fc.double(), fc.constant(null), fc.array(fc.integer())) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes()), fc.oneof(wrongType.map((v) => JSON.stringify(v)), brokenJson), async (route, raw) => {
        const res = await t.app.inject({ ...route, headers: { 'x-session-id': user.sid, 'content-type': 'application/json' }, payload: raw });
        expectClientError(res);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('odd path segments, query strings and session headers at every route: never a 5xx', async () => {
    const header = fc.oneof(fc.constant(user.sid), fc.constant(undefined), fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')));
    const query = fc.oneof(
      fc.constant(''),
      fc.tuple(fc.constantFrom('limit', 'cursor', 'from', 'to'), oddString).map(([k, v]) => `?${k}=${encodeAll(v.slice(0, 2000))}`),
      fc.constantFrom('?limit=%E0%A4%A', '?limit=1&limit=2', '?cursor[]=a', '?from=1e3&to=0x10'),
    );
    await fc.assert(
      fc.asyncProperty(oddString, fc.nat({ max: 12 }), query, header, async (seg, which, q, sid) => {
        const encoded = seg === '\u0000' ? '%E0%A4%A' : encodeAll(seg.slice(0, 2000)) || 'x';
        const route = allRoutes(encoded)[which];
        const headers: Record<string, string> = {};
        if (sid) headers['x-session-id'] = sid;
        const res = await t.app.inject({
          method: route.method,
          url: route.url + q,
          headers,
          ...(route.method === 'POST' ? { payload: { user_name: seg, pwd: seg, name: seg, content: seg } } : {}),
        });
        expectClientOrSuccess(res);
      }),
      { numRuns: NUM_RUNS * 4 },
    );
  });

  it('names that fail the rules never create a user', async () => {
    const bad = oddString.filter((s) => !/^[\p{L}\p{N}_.-]{1,64}$/u.test(s.normalize('NFC')));
    await fc.assert(
      fc.asyncProperty(bad, async (name) => {
        const res = await t.app.inject({ method: 'POST', url: '/user', payload: { user_name: name, pwd: 'secret1' } });
        expectClientError(res);
        const rows = await t.db.kysely.selectFrom('users').select('id').where('user_name', '=', name.normalize('NFC')).execute();
        expect(rows).toHaveLength(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
