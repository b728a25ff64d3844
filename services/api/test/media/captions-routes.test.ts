import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, getAs, patchVideo, publish, withSession, type User } from '../fixtures/public-site.js';

const VTT = 'WEBVTT\n\n00:01.000 --> 00:02.000\nHello\n';
const SRT = '1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n';
const SRT_AS_VTT = 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello\n\n2\n00:00:03.000 --> 00:00:04.000\nBye\n';

describe.each(testDialects())('caption tracks on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let video: string;

  const url = (id: string, lang: string, user = alice) => `/user/${encodeURIComponent(user.name)}/videos/${id}/captions/${lang}`;
  const put = (id: string, lang: string, body: string | Buffer, type = 'text/vtt', sid: string | null = alice.sid, user = alice) =>
    t.app.inject({ method: 'PUT', url: url(id, lang, user), headers: { ...withSession(sid ?? undefined), 'content-type': type }, payload: body });
  const del = (id: string, lang: string, sid: string | null = alice.sid, user = alice) =>
    t.app.inject({ method: 'DELETE', url: url(id, lang, user), headers: withSession(sid ?? undefined) });
  const list = async (id: string, sid?: string) => {
    const res = await getAs(t, `/videos/${id}/captions`, sid);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { captions: { lang: string; url: string }[] }).captions;
  };
  const stored = (id: string, lang: string) =>
    t.db.kysely.selectFrom('video_captions').selectAll().where('video_id', '=', id).where('lang', '=', lang).executeTakeFirst();

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    video = (await publish(t, alice)).id;
  });
  afterAll(async () => t?.close());

  describe('PUT /user/:username/videos/:vid/captions/:lang: every refusal', () => {
    it.each([
      ['no session', 401, '002', () => put(video, 'en', VTT, 'text/vtt', null)],
      ["another user's name", 403, '005', () => put(video, 'en', VTT, 'text/vtt', bob.sid)],
      ["someone else's video under one's own name", 404, '006', () => put(video, 'en', VTT, 'text/vtt', bob.sid, bob)],
      ['an unknown video', 404, '006', () => put(MISSING, 'en', VTT)],
      ['a video id that is no UUID', 404, '006', () => put('not-a-uuid', 'en', VTT)],
      ['a bad language tag', 400, '001', () => put(video, 'english', VTT)],
      ['a language tag with a dot', 400, '001', () => put(video, 'en.vtt', VTT)],
      ['a body that is neither format', 400, '001', () => put(video, 'en', 'hello there')],
      ['SubRip sent as text/vtt', 400, '001', () => put(video, 'en', SRT)],
      ['WebVTT without a cue', 400, '001', () => put(video, 'en', 'WEBVTT\n')],
      ['an empty body', 400, '001', () => put(video, 'en', '')],
      ['bytes that are not UTF-8', 400, '001', () => put(video, 'en', Buffer.from([0x57, 0xff, 0xfe]))],
      ['JSON', 415, '010', () => put(video, 'en', '{"vtt":"WEBVTT"}', 'application/json')],
      ['text/plain', 415, '010', () => put(video, 'en', VTT, 'text/plain')],
      ['a charset that is not UTF-8', 415, '010', () => put(video, 'en', VTT, 'text/vtt; charset=iso-8859-1')],
      ['over 1 MiB', 413, '009', () => put(video, 'en', `${VTT}${'x'.repeat(1024 * 1024)}\n`)],
      ['over 1 MiB, chunked', 413, '009', () => put(video, 'en', Readable.from([VTT, 'x'.repeat(700_000), 'x'.repeat(700_000)]) as unknown as Buffer)],
    ])('%s -> %i %s', async (_l, status, code, run) => {
      expectError(await run(), status, code);
    });

    it('no refusal stored anything', async () => {
      expect(await list(video, alice.sid)).toEqual([]);
    });
  });

  describe('storing, replacing, listing and removing tracks', () => {
    it('201 for a new language, 200 when it replaces it; the stored text, etag and URL', async () => {
      const id = (await publish(t, alice)).id;
      const first = await put(id, 'en', VTT);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toEqual({ lang: 'en', url: `/videos/${id}/captions/en.vtt` });
      const before = await stored(id, 'en');
      expect(before).toMatchObject({ vtt: VTT });
      expect(before?.etag).toMatch(/^[0-9a-f]{32}$/);

      const again = await put(id, 'EN', `${VTT}\n00:03.000 --> 00:04.000\nMore\n`, 'text/vtt; charset=utf-8');
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toEqual({ lang: 'en', url: `/videos/${id}/captions/en.vtt` });
      const after = await stored(id, 'en');
      expect(after?.vtt).toBe(`${VTT}\n00:03.000 --> 00:04.000\nMore\n`);
      expect(after?.etag).not.toBe(before?.etag);
    });

    it('SubRip is stored as the exact WebVTT conversion', async () => {
      const id = (await publish(t, alice)).id;
      const res = await put(id, 'zh-hans', `\uFEFF${SRT}`, 'application/x-subrip');
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({ lang: 'zh-Hans', url: `/videos/${id}/captions/zh-Hans.vtt` });
      expect((await stored(id, 'zh-Hans'))?.vtt).toBe(SRT_AS_VTT);
    });

    it('lists tracks sorted by canonical language; one track per language however it is spelled', async () => {
      const id = (await publish(t, alice)).id;
      for (const lang of ['zh-Hans', 'en-us', 'EN-US', 'de', 'en']) expect([200, 201]).toContain((await put(id, lang, VTT)).statusCode);
      expect(await list(id)).toEqual(['de', 'en', 'en-US', 'zh-Hans'].map((lang) => ({ lang, url: `/videos/${id}/captions/${lang}.vtt` })));
    });

    it('DELETE: 204, then 404; the other languages stay', async () => {
      const id = (await publish(t, alice)).id;
      await put(id, 'en', VTT);
      await put(id, 'fr', VTT);
      const gone = await del(id, 'EN');
      expect(gone.statusCode, gone.body).toBe(204);
      expect(gone.body).toBe('');
      expectError(await del(id, 'en'), 404, '006');
      expect((await list(id)).map((c) => c.lang)).toEqual(['fr']);
    });

    it.each([
      ['no session', 401, '002', () => del(video, 'en', null)],
      ["another user's name", 403, '005', () => del(video, 'en', bob.sid)],
      ["someone else's video under one's own name", 404, '006', () => del(video, 'en', bob.sid, bob)],
      ['an unknown video', 404, '006', () => del(MISSING, 'en')],
      ['a bad language tag', 400, '001', () => del(video, 'e')],
      ['no such track', 404, '006', () => del(video, 'ja')],
    ])('DELETE refused: %s -> %i %s', async (_l, status, code, run) => {
      expectError(await run(), status, code);
    });

    it('a video without its file yet may have captions; a deleted one has none to write', async () => {
      const pending = (await publish(t, alice, {}, false)).id;
      expect((await put(pending, 'en', VTT)).statusCode).toBe(201);
      const doomed = (await publish(t, alice)).id;
      await put(doomed, 'en', VTT);
      expect((await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${doomed}`, headers: withSession(alice.sid) })).statusCode).toBe(204);
      expectError(await put(doomed, 'en', VTT), 404, '006');
      expectError(await del(doomed, 'en'), 404, '006');
      expectError(await getAs(t, `/videos/${doomed}/captions`, alice.sid), 404, '006');
    });

    it('concurrent PUTs of one language: no 5xx, exactly one 201, one track left holding one of the bodies', async () => {
      const id = (await publish(t, alice)).id;
      const bodies = Array.from({ length: 8 }, (_, i) => `WEBVTT\n\n00:01.000 --> 00:02.000\nbody ${i}\n`);
      const answers = await Promise.all(bodies.map((b, i) => put(id, i % 2 ? 'pt-BR' : 'pt-br', b)));
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      const rows = await t.db.kysely.selectFrom('video_captions').select(['lang', 'vtt']).where('video_id', '=', id).execute();
      expect(rows.map((r) => r.lang)).toEqual(['pt-BR']);
      expect(bodies).toContain(rows[0]?.vtt);
    });
  });

  describe('GET /videos/:vid/captions: the privacy of the video record', () => {
    it.each([
      ['public', 'visitor', true],
      ['public', 'other', true],
      ['unlisted', 'visitor', true],
      ['unlisted', 'other', true],
      ['private', 'visitor', false],
      ['private', 'other', false],
      ['private', 'owner', true],
    ] as const)('%s video, %s: %s', async (privacy, reader, readable) => {
      const id = (await publish(t, alice, { privacy })).id;
      await put(id, 'en', VTT);
      const sid = reader === 'owner' ? alice.sid : reader === 'other' ? bob.sid : undefined;
      const res = await getAs(t, `/videos/${id}/captions`, sid);
      if (!readable) return expectError(res, 404, '006');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ captions: [{ lang: 'en', url: `/videos/${id}/captions/en.vtt` }] });
    });

    it('a video made private hides its tracks at once; an unknown id is the same 404', async () => {
      const id = (await publish(t, alice)).id;
      await put(id, 'en', VTT);
      await patchVideo(t, alice, id, { privacy: 'private' });
      const hidden = await getAs(t, `/videos/${id}/captions`, bob.sid);
      const unknown = await getAs(t, `/videos/${MISSING}/captions`, bob.sid);
      expectError(hidden, 404, '006');
      expect(hidden.json()).toEqual(unknown.json());
      expectError(await getAs(t, '/videos/..%2F..%2Fetc/captions'), 404, '006');
    });
  });
});
