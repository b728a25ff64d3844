import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, getAs, patchVideo, publish, withSession, type User } from '../fixtures/public-site.js';

const tags = (n: number, f = (i: number) => `tag${i}`) => Array.from({ length: n }, (_, i) => f(i));

/** Bodies both POST and PATCH refuse: 400 001. */
const BAD_META: [string, Record<string, unknown>][] = [
  ['privacy not one of the three', { privacy: 'friends' }],
  ['privacy in upper case', { privacy: 'PUBLIC' }],
  ['privacy not a string', { privacy: 1 }],
  ['11 distinct tags', { tags: tags(11) }],
  ['11 distinct tags among duplicates', { tags: [...tags(11), 'TAG0', 'tag1'] }],
  ['a tag of 33 characters', { tags: ['x'.repeat(33)] }],
  ['a tag of 33 CJK characters', { tags: ['猫'.repeat(33)] }],
  ['a tag blank after trimming', { tags: ['ok', '  \t '] }],
  ['an empty tag', { tags: [''] }],
  ['a tag not a string', { tags: [7] }],
  ['tags not an array', { tags: 'a,b' }],
  ['description of 5001 characters', { description: 'd'.repeat(5001) }],
  ['description of 5001 astral characters', { description: '😀'.repeat(5001) }],
  ['description not a string', { description: ['x'] }],
  ['name blank after trimming', { name: ' \n\t ' }],
  ['name of 257 characters', { name: 'n'.repeat(257) }],
  ['name null', { name: null }],
];

describe.each(testDialects())('video description, tags and privacy on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let video: { id: string };
  let bobVideo: { id: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    video = await publish(t, alice, { name: 'kept', description: 'kept too', tags: ['kept'] });
    bobVideo = await publish(t, bob);
  });
  afterAll(async () => t?.close());

  const patch = (user: string, id: string, payload: unknown, sid?: string) =>
    t.app.inject({ method: 'PATCH', url: `/user/${user}/videos/${id}`, headers: withSession(sid), payload: payload as object });

  describe('POST /user/:username/videos', () => {
    it.each(BAD_META)('%s -> 400', async (_l, body) => {
      const res = await t.app.inject({ method: 'POST', url: `/user/${alice.name}/videos`, headers: withSession(alice.sid), payload: { name: 'v', ...body } });
      expectError(res, 400, '001');
    });

    it('defaults: no description, no tags, public', async () => {
      expect(await publish(t, alice, { name: 'plain' })).toMatchObject({ description: '', tags: [], privacy: 'public' });
    });

    it('takes all four; description and tags trimmed; case duplicates dropped, first kept, order kept', async () => {
      const v = await publish(t, alice, {
        name: '  all four  ',
        description: '\n  a description\nof two lines  \n',
        tags: [' Cat ', 'dog', 'cat', 'CAT', 'Ünïcode', 'ünïcode', '猫'],
        privacy: 'unlisted',
      });
      expect(v).toMatchObject({ name: 'all four', description: 'a description\nof two lines', tags: ['Cat', 'dog', 'Ünïcode', '猫'], privacy: 'unlisted' });
      expect((await getAs(t, `/videos/${v.id}`)).json()).toMatchObject({ description: 'a description\nof two lines', tags: ['Cat', 'dog', 'Ünïcode', '猫'] });
    });

    it.each([
      ['exactly 10 tags', { tags: tags(10) }, (v: { tags: string[] }) => expect(v.tags).toEqual(tags(10))],
      ['10 distinct tags among 12 given', { tags: [...tags(10), 'TAG3', 'Tag9'] }, (v: { tags: string[] }) => expect(v.tags).toEqual(tags(10))],
      ['a tag of 32 characters', { tags: ['x'.repeat(32)] }, (v: { tags: string[] }) => expect(v.tags).toEqual(['x'.repeat(32)])],
      ['a description of 5000 characters', { description: '猫'.repeat(5000) }, (v: { description: string }) => expect([...v.description]).toHaveLength(5000)],
      ['no tags', { tags: [] }, (v: { tags: string[] }) => expect(v.tags).toEqual([])],
    ] as [string, object, (v: never) => void][])('%s is fine', async (_l, body, check) => {
      check((await publish(t, alice, body)) as never);
    });

    it('creates at the same moment all succeed, with their tags and search documents', async () => {
      const users = [alice, bob, alice, bob];
      const made = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t.app.inject({ method: 'POST', url: `/user/${users[i % 4]?.name}/videos`, headers: withSession(users[i % 4]?.sid), payload: { name: `burst ${i}`, tags: ['burst', `b${i}`], description: 'at once' } }),
        ),
      );
      for (const r of made) expect(r.statusCode, r.body).toBe(201);
      const ids = made.map((r) => (r.json() as { id: string }).id);
      const v = (await getAs(t, `/user/${alice.name}/videos/${ids[0]}`)).json() as { tags: string[] };
      expect(v.tags).toEqual(['burst', 'b0']);
    });

    it("['Cat','cat'] is stored as ['Cat']", async () => {
      expect((await publish(t, alice, { tags: ['Cat', 'cat'] })).tags).toEqual(['Cat']);
    });
  });

  describe('PATCH /user/:username/videos/:vid', () => {
    it.each<[string, () => [string, string, unknown, string | undefined], number, string]>([
      ['without a session', () => [alice.name, video.id, { name: 'x' }, undefined], 401, '002'],
      ['with an unknown session', () => [alice.name, video.id, { name: 'x' }, MISSING], 401, '002'],
      ['by another user', () => [alice.name, video.id, { name: 'x' }, bob.sid], 403, '005'],
      ["another user's name, even for a name that does not exist", () => ['nobody_here', video.id, { name: 'x' }, bob.sid], 403, '005'],
      ['an unknown video', () => [alice.name, MISSING, { name: 'x' }, alice.sid], 404, '006'],
      ['a video id that is not a uuid', () => [alice.name, 'not-a-video', { name: 'x' }, alice.sid], 404, '006'],
      ["another user's video under your own name", () => [alice.name, bobVideo.id, { name: 'x' }, alice.sid], 404, '006'],
      ['no fields', () => [alice.name, video.id, {}, alice.sid], 400, '001'],
      ['no body', () => [alice.name, video.id, undefined, alice.sid], 400, '001'],
      ['a body that is not an object', () => [alice.name, video.id, ['name'], alice.sid], 400, '001'],
      ...BAD_META.map(([l, body]): [string, () => [string, string, unknown, string], number, string] => [l, () => [alice.name, video.id, body, alice.sid], 400, '001']),
    ])('%s -> %i', async (_l, args, status, code) => {
      const [user, id, payload, sid] = args();
      expectError(await patch(user, id, payload, sid), status, code);
    });

    it('a refused edit changes nothing', async () => {
      expect((await getAs(t, `/videos/${video.id}`)).json()).toMatchObject({ name: 'kept', description: 'kept too', tags: ['kept'], privacy: 'public' });
    });

    it('changes only the fields given, and every read shows it at once', async () => {
      const v = await publish(t, alice, { name: 'before', description: 'desc', tags: ['a', 'b'] });
      const edited = await patchVideo(t, alice, v.id, { tags: ['b', ' New ', 'new'] });
      expect(edited).toMatchObject({ id: v.id, name: 'before', description: 'desc', tags: ['b', 'New'], privacy: 'public', author: alice.name });
      await patchVideo(t, alice, v.id, { name: '  after  ', description: '  ' });
      for (const url of [`/videos/${v.id}`, `/user/${alice.name}/videos/${v.id}`]) {
        expect((await getAs(t, url)).json(), url).toMatchObject({ name: 'after', description: '', tags: ['b', 'New'] });
      }
      const list = (await getAs(t, `/user/${alice.name}/videos`)).json().videos as { id: string; name: string }[];
      expect(list.find((x) => x.id === v.id)?.name).toBe('after');
      const feed = (await getAs(t, '/videos?limit=200')).json().videos as { id: string; tags: string[] }[];
      expect(feed.find((x) => x.id === v.id)?.tags).toEqual(['b', 'New']);
    });

    it('edits of several videos at the same moment all succeed', async () => {
      const vids = await Promise.all(Array.from({ length: 10 }, (_, i) => publish(t, i % 2 ? alice : bob, { tags: ['old', `o${i}`] })));
      const edits = await Promise.all(vids.map((v, i) => patch(i % 2 ? alice.name : bob.name, v.id, { tags: ['new', `n${i}`], name: `edited ${i}` }, i % 2 ? alice.sid : bob.sid)));
      for (const r of edits) expect(r.statusCode, r.body).toBe(200);
    });

    it('edits of one video at the same moment all succeed, the last one written whole', async () => {
      const v = await publish(t, alice, { tags: ['start'] });
      const bodies = Array.from({ length: 6 }, (_, i) => ({ name: `take ${i}`, tags: [`t${i}`, `u${i}`], description: `d${i}` }));
      const edits = await Promise.all(bodies.map((b) => patch(alice.name, v.id, b, alice.sid)));
      for (const r of edits) expect(r.statusCode, r.body).toBe(200);
      const now = (await getAs(t, `/videos/${v.id}`)).json() as { name: string; tags: string[]; description: string };
      const i = Number(now.name.slice(5));
      expect(now).toMatchObject({ tags: [`t${i}`, `u${i}`], description: `d${i}` });
    });

    it('tags can be cleared; the related list follows', async () => {
      const a = await publish(t, alice, { tags: ['shared-only-here'] });
      const b = await publish(t, bob, { tags: ['shared-only-here'] });
      expect((await getAs(t, `/videos/${a.id}/related?limit=1`)).json().videos[0].id).toBe(b.id);
      expect((await patchVideo(t, bob, b.id, { tags: [] })).tags).toEqual([]);
      const related = (await getAs(t, `/videos/${a.id}/related?limit=50`)).json().videos as { id: string; tags: string[] }[];
      expect(related.find((x) => x.id === b.id)?.tags ?? []).toEqual([]);
    });

    it('the author in the body is ignored; a deleted video is 404', async () => {
      const v = await publish(t, alice);
      const res = await patch(alice.name, v.id, { name: 'mine', author_id: bob.id, id: MISSING }, alice.sid);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: v.id, author_id: alice.id, name: 'mine' });
      await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: withSession(alice.sid) });
      expectError(await patch(alice.name, v.id, { name: 'again' }, alice.sid), 404, '006');
    });
  });
});
