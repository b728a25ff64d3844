import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, postComment, signUp, uniqueName, type TestApp } from './helper.js';
import { TestViewer } from './fixtures/danmaku-fixtures.js';
import { ROOMY_LIMITS, getAs, idsOf, patchVideo, publish, token, withSession, type Privacy, type User } from './fixtures/public-site.js';

type Reader = 'owner' | 'other' | 'visitor';
type Ctx = { t: TestApp; owner: User; id: string; sid: string | undefined; word: string; neighbour: string };
/** One read path: what it answers for a video, and whether the video is in that answer. */
type Path = [name: string, run: (c: Ctx) => Promise<LightMyRequestResponse>, expect: (res: LightMyRequestResponse, c: Ctx, shown: Shown) => void];
type Shown = { readable: boolean; listedForReader: boolean; listed: boolean; reader: Reader };

const PRIVACIES: Privacy[] = ['public', 'unlisted', 'private'];
const READERS: Reader[] = ['owner', 'other', 'visitor'];

const ids = (res: LightMyRequestResponse) => idsOf((res.json() as { videos: { id: string }[] }).videos);
const status = (res: LightMyRequestResponse, ok: number, readable: boolean) => {
  if (readable) expect(res.statusCode, res.body).toBe(ok);
  else expectError(res, 404, '006');
};
/** Writes need a session: a visitor is refused before the video is even looked at. */
const write = (ok: number) => (res: LightMyRequestResponse, _c: Ctx, s: Shown) =>
  s.reader === 'visitor' ? expectError(res, 401, '002') : status(res, ok, s.readable);
const listing = (key: keyof Shown) => (res: LightMyRequestResponse, c: Ctx, s: Shown) => {
  expect(res.statusCode, res.body).toBe(200);
  if (s[key]) expect(ids(res)).toContain(c.id);
  else expect(ids(res)).not.toContain(c.id);
};
const inject = (c: Ctx, method: 'POST' | 'PUT', url: string, payload: object) => c.t.app.inject({ method, url, headers: withSession(c.sid), payload });

const PATHS: Path[] = [
  ['GET /videos/:vid', (c) => getAs(c.t, `/videos/${c.id}`, c.sid), (r, _c, s) => status(r, 200, s.readable)],
  ['GET /user/:u/videos/:vid', (c) => getAs(c.t, `/user/${c.owner.name}/videos/${c.id}`, c.sid), (r, _c, s) => status(r, 200, s.readable)],
  ['GET /user/:u/videos', (c) => getAs(c.t, `/user/${c.owner.name}/videos?limit=200`, c.sid), listing('listedForReader')],
  ['GET /videos (feed)', (c) => getAs(c.t, '/videos?limit=200', c.sid), listing('listed')],
  ['GET /videos?sort=views', (c) => getAs(c.t, '/videos?sort=views&limit=200', c.sid), listing('listed')],
  ['GET /search', (c) => getAs(c.t, `/search?q=${c.word}`, c.sid), listing('listed')],
  ['GET /videos/:other/related', (c) => getAs(c.t, `/videos/${c.neighbour}/related?limit=50`, c.sid), listing('listed')],
  ['GET /videos/:vid/related', (c) => getAs(c.t, `/videos/${c.id}/related`, c.sid), (r, c, s) => {
    status(r, 200, s.readable);
    if (s.readable) expect(ids(r)).not.toContain(c.id);
  }],
  ['GET /user/:u/profile', (c) => getAs(c.t, `/user/${c.owner.name}/profile`, c.sid), (r) => {
    expect(r.statusCode).toBe(200);
    expect(r.json().videos_count).toBe(2); // the public video and its neighbour, whoever asks
  }],
  ['GET /videos/:vid/comments', (c) => getAs(c.t, `/videos/${c.id}/comments`, c.sid), (r, _c, s) => {
    status(r, 200, s.readable);
    if (s.readable) expect(r.json().comments.length).toBeGreaterThan(0);
  }],
  ['GET /videos/:vid/captions', (c) => getAs(c.t, `/videos/${c.id}/captions`, c.sid), (r, c, s) => {
    status(r, 200, s.readable);
    if (s.readable) expect(r.json().captions).toEqual([{ lang: 'en', url: `/videos/${c.id}/captions/en.vtt` }]);
  }],
  ['POST /videos/:vid/comments', (c) => inject(c, 'POST', `/videos/${c.id}/comments`, { content: 'hello' }), write(201)],
  ['GET /danmaku/v3/?id=', (c) => getAs(c.t, `/danmaku/v3/?id=${c.id}`, c.sid), (r, _c, s) => {
    status(r, 200, s.readable);
    if (s.readable) expect(r.json()).toMatchObject({ code: 0 });
    else expect(r.json()).toMatchObject({ code: 1 });
  }],
  ['GET /danmaku/v3?id= (no slash)', (c) => getAs(c.t, `/danmaku/v3?id=${c.id}`, c.sid), (r, _c, s) => status(r, 200, s.readable)],
  ['POST /danmaku/v3/', (c) => inject(c, 'POST', '/danmaku/v3/', { id: c.id, time: 1, text: 'hi', color: 16777215, type: 0 }), write(200)],
  ['POST /videos/:vid/views', (c) => inject(c, 'POST', `/videos/${c.id}/views`, { position: 1 }), (r, _c, s) => status(r, 204, s.readable)],
  ['PUT /videos/:vid/rating', (c) => inject(c, 'PUT', `/videos/${c.id}/rating`, { rating: 'like' }), write(200)],
  ['GET /videos/:vid/rating', (c) => getAs(c.t, `/videos/${c.id}/rating`, c.sid), (r, c, s) => (s.reader === 'visitor' ? expectError(r, 401, '002') : write(200)(r, c, s))],
  ['GET /videos/:vid/viewers', (c) => getAs(c.t, `/videos/${c.id}/viewers`, c.sid), (r, _c, s) => status(r, 200, s.readable)],
];

async function addCaptions(t: TestApp, owner: User, id: string): Promise<void> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/user/${owner.name}/videos/${id}/captions/en`,
    headers: { ...withSession(owner.sid), 'content-type': 'text/vtt' },
    payload: 'WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n',
  });
  expect(res.statusCode, res.body).toBe(201);
}

function shown(privacy: Privacy, reader: Reader): Shown {
  return {
    reader,
    readable: privacy !== 'private' || reader === 'owner',
    listed: privacy === 'public',
    listedForReader: privacy === 'public' || reader === 'owner',
  };
}

const MATRIX = PRIVACIES.flatMap((p) => READERS.flatMap((r) => PATHS.map((path) => [p, r, path[0], path] as const)));

describe.each(testDialects())('privacy on every read path, %s', (dialect) => {
  let t: TestApp;
  let owner: User;
  let other: User;
  let word: string;
  let neighbour: string;
  const videos = new Map<Privacy, string>();

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    owner = await signUp(t.app, uniqueName('owner'));
    other = await signUp(t.app, uniqueName('other'));
    word = token();
    const tag = token('tag');
    neighbour = (await publish(t, owner, { name: 'neighbour', tags: [tag] })).id;
    for (const privacy of PRIVACIES) {
      const v = await publish(t, owner, { name: `${word} ${privacy}`, tags: [tag], privacy });
      videos.set(privacy, v.id);
      await postComment(t.app, owner.sid, v.id, 'first');
      await addCaptions(t, owner, v.id);
    }
  });
  afterAll(async () => t?.close());

  let address: string | undefined;
  /** The live room needs a real socket: the app listens the first time a case asks. */
  const listening = async () => {
    address ??= await t.app.listen({ port: 0, host: '127.0.0.1' });
    return address;
  };

  const ctx = (privacy: Privacy, reader: Reader): Ctx => ({
    t,
    owner,
    id: videos.get(privacy) ?? '',
    sid: reader === 'owner' ? owner.sid : reader === 'other' ? other.sid : undefined,
    word,
    neighbour,
  });

  it.each(MATRIX)('%s video, %s: %s', async (privacy, reader, _name, [, run, check]) => {
    const c = ctx(privacy, reader);
    check(await run(c), c, shown(privacy, reader));
  });

  it.each(PRIVACIES.flatMap((p) => READERS.map((r) => [p, r] as const)))('%s video, %s: the live room (WebSocket)', async (privacy, reader) => {
    const base = await listening();
    const sid = ctx(privacy, reader).sid;
    const open = TestViewer.open(base, videos.get(privacy) ?? '', { headers: withSession(sid) });
    if (!shown(privacy, reader).readable) return void (await expect(open).rejects.toThrow('upgrade refused: 404'));
    const viewer = await open;
    viewer.ws.close();
  });

  it('a private video is the same 404 as an unknown id, body and all', async () => {
    const priv = await getAs(t, `/videos/${videos.get('private')}`, other.sid);
    const unknown = await getAs(t, '/videos/00000000-0000-4000-8000-000000000000', other.sid);
    expect(priv.statusCode).toBe(unknown.statusCode);
    expect(priv.json()).toEqual(unknown.json());
  });

  it("the owner's session as the web's cookie works like the header", async () => {
    const res = await t.app.inject({ url: `/videos/${videos.get('private')}`, headers: { cookie: `session=${owner.sid}` } });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('an unknown session reading a private video is a visitor: 404, not 401', async () => {
    expectError(await getAs(t, `/videos/${videos.get('private')}`, '11111111-1111-4111-8111-111111111111'), 404, '006');
  });

  it('a privacy change is seen at once by the next read of every path', async () => {
    const w = token();
    const v = await publish(t, owner, { name: w });
    const c = { ...ctx('public', 'other'), id: v.id, word: w };
    const check = async (privacy: Privacy) => {
      for (const reader of READERS) {
        const cr = { ...c, sid: ctx(privacy, reader).sid };
        for (const [name, run, expectation] of PATHS.filter(([n]) => !/POST|PUT|profile/.test(n))) {
          const res = await run(cr);
          try {
            expectation(res, cr, shown(privacy, reader));
          } catch (err) {
            throw new Error(`${privacy}, ${reader}, ${name}: ${(err as Error).message}`);
          }
        }
      }
    };
    await postComment(t.app, owner.sid, v.id, 'so comments exist');
    await addCaptions(t, owner, v.id);
    for (const privacy of ['private', 'unlisted', 'public', 'unlisted', 'private', 'public'] as Privacy[]) {
      await patchVideo(t, owner, v.id, { privacy });
      await check(privacy);
    }
  });
});
