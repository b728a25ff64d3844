import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, patchVideo, publish, type User } from '../fixtures/public-site.js';
import { call, commentAs, everyPage, expectExactCounts, postAs } from '../fixtures/comment-threads.js';

describe.each(testDialects())('comment threads on %s', (dialect) => {
  let t: TestApp;
  let owner: User;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    owner = await signUp(t.app, uniqueName('owner'));
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
  });
  afterAll(async () => t?.close());

  describe('replies', () => {
    it('201 reply with parent_id; the parent counts it; one level only', async () => {
      const v = await publish(t, owner);
      const top = await commentAs(t, alice, v.id, 'top');
      expect(top).toMatchObject({ parent_id: null, replies_count: 0, edited_time: null, pinned: false });
      const reply = await commentAs(t, bob, v.id, 'first reply', top.id);
      expect(reply).toMatchObject({ parent_id: top.id, replies_count: 0, pinned: false });
      expectError(await postAs(t, alice, v.id, 'deeper', reply.id), 400, '001');
      const other = await publish(t, owner);
      expectError(await postAs(t, alice, other.id, 'elsewhere', top.id), 404, '006');
      expectError(await postAs(t, alice, v.id, 'nobody', MISSING), 404, '006');
      expectError(await postAs(t, alice, v.id, 'junk', 'not-an-id'), 404, '006');
      expectError(await postAs(t, alice, v.id, 'wrong type', 7 as unknown as string), 400, '001');
      expect((await postAs(t, alice, v.id, 'explicitly top-level', null)).json()).toMatchObject({ parent_id: null });
      const list = (await call(t, 'GET', `/videos/${v.id}/comments`)).json() as { comments: { id: string; replies_count: number }[] };
      expect(list.comments.map((c) => c.id)).toEqual([expect.any(String), top.id]);
      expect(list.comments[1]).toMatchObject({ replies_count: 1 });
      expect(await expectExactCounts(t, v.id)).toBe(3);
    });

    it('replies come oldest first, keyset-paged without repeats; a reply has no replies list', async () => {
      const v = await publish(t, owner);
      const top = await commentAs(t, alice, v.id, 'top');
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await commentAs(t, i % 2 ? alice : bob, v.id, `r${i}`, top.id)).id);
      const pages = await everyPage(t, `/videos/${v.id}/comments/${top.id}/replies`, 3);
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat().map((c) => c.id)).toEqual(ids);
      expectError(await call(t, 'GET', `/videos/${v.id}/comments/${ids[0]}/replies`), 400, '001');
      expectError(await call(t, 'GET', `/videos/${v.id}/comments/${MISSING}/replies`), 404, '006');
      expectError(await call(t, 'GET', `/videos/${v.id}/comments/${top.id}/replies?limit=0`), 400, '001');
      expectError(await call(t, 'GET', `/videos/${v.id}/comments/${top.id}/replies?cursor=%00`), 400, '001');
      const topCursor = (await call(t, 'GET', `/videos/${v.id}/comments?limit=1`)).json().next_cursor;
      expect(topCursor).toBeNull();
      // A cursor of the newest-first list is not a replies cursor.
      await commentAs(t, bob, v.id, 'second top');
      const foreign = (await call(t, 'GET', `/videos/${v.id}/comments?limit=1`)).json().next_cursor as string;
      expectError(await call(t, 'GET', `/videos/${v.id}/comments/${top.id}/replies?cursor=${foreign}`), 400, '001');
    });

    it('counts stay exact under 20 concurrent replies and deletes', async () => {
      const v = await publish(t, owner);
      const top = await commentAs(t, alice, v.id, 'busy thread');
      const early = [];
      for (let i = 0; i < 10; i++) early.push(await commentAs(t, bob, v.id, `early ${i}`, top.id));
      const writes = [
        ...Array.from({ length: 10 }, (_x, i) => postAs(t, i % 2 ? alice : bob, v.id, `late ${i}`, top.id)),
        ...early.map((r) => call(t, 'DELETE', `/videos/${v.id}/comments/${r.id}`, bob)),
      ];
      const statuses = (await Promise.all(writes)).map((r) => r.statusCode);
      expect(statuses).toEqual([...Array<number>(10).fill(201), ...Array<number>(10).fill(204)]);
      expect(await expectExactCounts(t, v.id)).toBe(11);
    });

    it('deleting a top-level comment while replies race in leaves no orphan and exact counts', async () => {
      const v = await publish(t, owner);
      const top = await commentAs(t, alice, v.id, 'doomed');
      const kept = await commentAs(t, bob, v.id, 'kept');
      await commentAs(t, bob, v.id, 'kept reply', kept.id);
      const writes = [
        ...Array.from({ length: 19 }, (_x, i) => postAs(t, bob, v.id, `racing ${i}`, top.id)),
        call(t, 'DELETE', `/videos/${v.id}/comments/${top.id}`, alice),
      ];
      const statuses = (await Promise.all(writes)).map((r) => r.statusCode);
      expect(statuses.at(-1)).toBe(204);
      for (const s of statuses.slice(0, -1)) expect([201, 404]).toContain(s);
      expect(await expectExactCounts(t, v.id)).toBe(2);
    });
  });

  describe('listing with a pin', () => {
    it('the pinned comment heads the first page only; the rest newest first, nothing repeated', async () => {
      const v = await publish(t, owner);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await commentAs(t, i % 2 ? alice : bob, v.id, `c${i}`)).id);
      await commentAs(t, alice, v.id, 'a reply is not listed here', ids[5]);
      expect((await call(t, 'PUT', `/videos/${v.id}/comments/${ids[2]}/pin`, owner)).statusCode).toBe(204);
      const newestFirst = [...ids].reverse().filter((id) => id !== ids[2]);
      for (const limit of [1, 2, 4, 50]) {
        const pages = await everyPage(t, `/videos/${v.id}/comments`, limit);
        expect(pages[0]![0]).toMatchObject({ id: ids[2], pinned: true });
        expect(pages.flat().map((c) => c.id)).toEqual([ids[2]!, ...newestFirst]);
        for (const p of pages) expect(p.length).toBeLessThanOrEqual(limit);
      }
    });
  });

  describe('PATCH /videos/:vid/comments/:cid', () => {
    it('its author edits it (200 with edited_time); the owner and others 403; no session 401', async () => {
      const v = await publish(t, owner);
      const c = await commentAs(t, alice, v.id, 'tpyo');
      const url = `/videos/${v.id}/comments/${c.id}`;
      expectError(await call(t, 'PATCH', url, undefined, { content: 'x' }), 401, '002');
      expectError(await call(t, 'PATCH', url, owner, { content: 'x' }), 403, '005');
      expectError(await call(t, 'PATCH', url, bob, { content: 'x' }), 403, '005');
      expectError(await call(t, 'PATCH', url, alice, { content: '   ' }), 400, '001');
      expectError(await call(t, 'PATCH', `/videos/${v.id}/comments/${MISSING}`, alice, { content: 'x' }), 404, '006');
      const before = Date.now();
      const res = await call(t, 'PATCH', url, alice, { content: ' typo fixed ' });
      expect(res.statusCode, res.body).toBe(200);
      const edited = res.json();
      expect(edited).toMatchObject({ id: c.id, content: 'typo fixed', parent_id: null, pinned: false });
      expect(Date.parse(edited.edited_time)).toBeGreaterThanOrEqual(before - 1);
      const listed = (await call(t, 'GET', `/videos/${v.id}/comments`)).json().comments[0];
      expect(listed).toEqual(edited);
    });
  });

  describe('pins', () => {
    it('only the owner pins (204), replies cannot be pinned, pinning another unpins the first, DELETE unpins', async () => {
      const v = await publish(t, owner);
      const a = await commentAs(t, alice, v.id, 'a');
      const b = await commentAs(t, bob, v.id, 'b');
      const r = await commentAs(t, bob, v.id, 'r', a.id);
      const pin = (cid: string) => `/videos/${v.id}/comments/${cid}/pin`;
      expectError(await call(t, 'PUT', pin(a.id), undefined), 401, '002');
      expectError(await call(t, 'PUT', pin(a.id), alice), 403, '005');
      expectError(await call(t, 'PUT', pin(r.id), owner), 400, '001');
      expectError(await call(t, 'PUT', pin(MISSING), owner), 404, '006');
      expect((await call(t, 'PUT', pin(a.id), owner)).statusCode).toBe(204);
      expect((await call(t, 'PUT', pin(a.id), owner)).statusCode).toBe(204);
      expect((await call(t, 'PUT', pin(b.id), owner)).statusCode).toBe(204);
      const pinned = async () =>
        (await t.db.kysely.selectFrom('comments').select('id').where('video_id', '=', v.id).where('pinned', '=', 1).execute()).map((x) => x.id);
      expect(await pinned()).toEqual([b.id]);
      expectError(await call(t, 'DELETE', pin(b.id), bob), 403, '005');
      expect((await call(t, 'DELETE', pin(b.id), owner)).statusCode).toBe(204);
      expect((await call(t, 'DELETE', pin(b.id), owner)).statusCode).toBe(204);
      expect(await pinned()).toEqual([]);
    });

    it('one pin at a time when the owner pins ten comments at once', async () => {
      const v = await publish(t, owner);
      const cs = [];
      for (let i = 0; i < 10; i++) cs.push(await commentAs(t, alice, v.id, `p${i}`));
      const res = await Promise.all(cs.map((c) => call(t, 'PUT', `/videos/${v.id}/comments/${c.id}/pin`, owner)));
      expect(res.map((r) => r.statusCode)).toEqual(Array<number>(10).fill(204));
      const rows = await t.db.kysely.selectFrom('comments').select('id').where('video_id', '=', v.id).where('pinned', '=', 1).execute();
      expect(rows).toHaveLength(1);
    });
  });

  describe('delete cascades', () => {
    it('a top-level comment takes its replies; a reply uncounts itself on its parent', async () => {
      const v = await publish(t, owner);
      const a = await commentAs(t, alice, v.id, 'a');
      const b = await commentAs(t, bob, v.id, 'b');
      for (let i = 0; i < 3; i++) await commentAs(t, bob, v.id, `ra${i}`, a.id);
      const rb = await commentAs(t, alice, v.id, 'rb', b.id);
      expect(await expectExactCounts(t, v.id)).toBe(6);
      expect((await call(t, 'DELETE', `/videos/${v.id}/comments/${rb.id}`, alice)).statusCode).toBe(204);
      expect(await expectExactCounts(t, v.id)).toBe(5);
      expect((await call(t, 'DELETE', `/videos/${v.id}/comments/${a.id}`, owner)).statusCode).toBe(204);
      expect(await expectExactCounts(t, v.id)).toBe(1);
      expectError(await call(t, 'GET', `/videos/${v.id}/comments/${a.id}/replies`), 404, '006');
    });
  });

  describe('privacy', () => {
    it("a private video's comments and replies are 404 to others, readable by its owner", async () => {
      const v = await publish(t, owner);
      const c = await commentAs(t, alice, v.id, 'before it went private');
      await commentAs(t, bob, v.id, 'reply', c.id);
      await patchVideo(t, owner, v.id, { privacy: 'private' });
      for (const who of [undefined, alice, bob]) {
        expectError(await call(t, 'GET', `/videos/${v.id}/comments`, who), 404, '006');
        expectError(await call(t, 'GET', `/videos/${v.id}/comments/${c.id}/replies`, who), 404, '006');
      }
      expectError(await postAs(t, alice, v.id, 'x', c.id), 404, '006');
      expectError(await call(t, 'PATCH', `/videos/${v.id}/comments/${c.id}`, alice, { content: 'x' }), 404, '006');
      expect((await call(t, 'GET', `/videos/${v.id}/comments/${c.id}/replies`, owner)).json().comments).toHaveLength(1);
    });
  });
});
