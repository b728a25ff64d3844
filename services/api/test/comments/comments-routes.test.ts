import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, createVideo, expectError, postComment, signUp, uniqueName, type TestApp } from '../helper.js';

type User = { name: string; sid: string; id: number };
const MISSING = '00000000-0000-4000-8000-000000000000';

describe.each(testDialects())('comments on %s', (dialect) => {
  let t: TestApp;
  let owner: User;
  let writer: User;
  let stranger: User;
  let video: { id: string };
  let otherVideo: { id: string };

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    owner = await signUp(t.app, uniqueName('owner'));
    writer = await signUp(t.app, uniqueName('writer'));
    stranger = await signUp(t.app, uniqueName('stranger'));
    video = await createVideo(t.app, owner, 'talk');
    otherVideo = await createVideo(t.app, stranger, 'other');
  });
  afterAll(async () => t?.close());

  describe('GET /videos/:vid/comments', () => {
    it.each([
      ['unknown video', () => `/videos/${MISSING}/comments`, 404, '006'],
      ['malformed id', () => `/videos/${encodeURIComponent("1' or '1'='1")}/comments`, 404, '006'],
      ['limit 0', () => `/videos/${video.id}/comments?limit=0`, 400, '001'],
      ['limit 500', () => `/videos/${video.id}/comments?limit=500`, 400, '001'],
      ['bad cursor', () => `/videos/${video.id}/comments?cursor=%00`, 400, '001'],
    ])('%s -> %i', async (_l, url, status, code) => {
      expectError(await t.app.inject({ url: url() }), status, code);
    });

    it('200 newest first with authors, paged without gaps or repeats while comments arrive', async () => {
      const v = await createVideo(t.app, owner, 'busy');
      for (let i = 0; i < 5; i++) await postComment(t.app, i % 2 ? writer.sid : owner.sid, v.id, `c${i}`);
      const whole = (await t.app.inject({ url: `/videos/${v.id}/comments` })).json();
      expect(whole.next_cursor).toBeNull();
      const expected = whole.comments.map((c: { id: string }) => c.id);
      expect(whole.comments[0]).toEqual({
        id: expect.any(String),
        video_id: v.id,
        author: owner.name,
        author_id: owner.id,
        content: 'c4',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        parent_id: null,
        replies_count: 0,
        edited_time: null,
        pinned: false,
        state: 'visible',
      });
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const body = (await t.app.inject({ url: `/videos/${v.id}/comments?limit=2${cursor ? `&cursor=${cursor}` : ''}` })).json() as {
          comments: { id: string }[];
          next_cursor: string | null;
        };
        seen.push(...body.comments.map((c) => c.id));
        await postComment(t.app, writer.sid, v.id, `late${page}`);
        cursor = body.next_cursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(expected);
    });
    it('comments posted within the same millisecond still come newest first', async () => {
      const v = await createVideo(t.app, owner, 'burst');
      const posters = [await signUp(t.app, uniqueName('b1')), await signUp(t.app, uniqueName('b2')), await signUp(t.app, uniqueName('b3'))];
      const now = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
      try {
        for (let i = 0; i < 30; i++) await postComment(t.app, posters[i % 3]!.sid, v.id, `b${i}`);
      } finally {
        now.mockRestore();
      }
      const body = (await t.app.inject({ url: `/videos/${v.id}/comments?limit=100` })).json() as { comments: { content: string }[] };
      expect(body.comments.map((c) => c.content)).toEqual(Array.from({ length: 30 }, (_x, i) => `b${29 - i}`));
    });
  });

  describe('POST /videos/:vid/comments', () => {
    it.each([
      ['no session', () => ({}), () => video.id, { content: 'x' }, 401, '002'],
      ['expired-looking session', () => ({ 'x-session-id': MISSING }), () => video.id, { content: 'x' }, 401, '002'],
      ['no body', () => ({ 'x-session-id': writer.sid }), () => video.id, undefined, 400, '001'],
      ['content not a string', () => ({ 'x-session-id': writer.sid }), () => video.id, { content: ['x'] }, 400, '001'],
      ['blank content', () => ({ 'x-session-id': writer.sid }), () => video.id, { content: ' \n ' }, 400, '001'],
      ['2001 characters', () => ({ 'x-session-id': writer.sid }), () => video.id, { content: 'é'.repeat(2001) }, 400, '001'],
      ['unknown video', () => ({ 'x-session-id': writer.sid }), () => MISSING, { content: 'x' }, 404, '006'],
    ])('%s -> %i', async (_l, headers, vid, payload, status, code) => {
      const res = await t.app.inject({ method: 'POST', url: `/videos/${vid()}/comments`, headers: headers(), payload: payload as object });
      expectError(res, status, code);
    });

    it('201 Comment; author from the session, body author ignored; 2000 characters fit', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/videos/${video.id}/comments`,
        headers: { 'x-session-id': writer.sid },
        payload: { content: ` ${'😀'.repeat(2000)} `, author_id: owner.id, author: 'someone' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ video_id: video.id, author: writer.name, author_id: writer.id, content: '😀'.repeat(2000) });
    });
  });

  describe('DELETE /videos/:vid/comment(s)/:cid', () => {
    let comment: { id: string };
    beforeAll(async () => {
      comment = await postComment(t.app, writer.sid, video.id, 'keep me');
    });

    it.each([
      ['no session', () => ({}), () => `/videos/${video.id}/comment/${comment.id}`, 401, '002'],
      ['neither author nor owner', () => ({ 'x-session-id': stranger.sid }), () => `/videos/${video.id}/comment/${comment.id}`, 403, '005'],
      ['unknown comment', () => ({ 'x-session-id': owner.sid }), () => `/videos/${video.id}/comment/${MISSING}`, 404, '006'],
      ['unknown video', () => ({ 'x-session-id': owner.sid }), () => `/videos/${MISSING}/comment/${comment.id}`, 404, '006'],
      ['comment under another video', () => ({ 'x-session-id': stranger.sid }), () => `/videos/${otherVideo.id}/comments/${comment.id}`, 404, '006'],
    ])('%s -> %i', async (_l, headers, url, status, code) => {
      expectError(await t.app.inject({ method: 'DELETE', url: url(), headers: headers() }), status, code);
    });

    it.each([
      ['its author, via /comment/', 'comment', () => writer],
      ['the video owner, via /comments/', 'comments', () => owner],
    ])('204 for %s', async (_l, segment, who) => {
      const c = await postComment(t.app, writer.sid, video.id, 'to delete');
      const res = await t.app.inject({ method: 'DELETE', url: `/videos/${video.id}/${segment}/${c.id}`, headers: { 'x-session-id': who().sid } });
      expect(res.statusCode).toBe(204);
      const list = (await t.app.inject({ url: `/videos/${video.id}/comments?limit=200` })).json();
      expect(list.comments.map((x: { id: string }) => x.id)).not.toContain(c.id);
      expectError(await t.app.inject({ method: 'DELETE', url: `/videos/${video.id}/${segment}/${c.id}`, headers: { 'x-session-id': who().sid } }), 404, '006');
    });
  });
});
