import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markVideoUploaded } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, signUp, uniqueName, type TestApp } from '../helper.js';

/**
 * Writes that many users make at once must not get in each other's way: on MySQL a DELETE of a
 * row that is not there takes a gap lock, and two such transactions deadlock (409 after a retry).
 */
describe.each(testDialects())('concurrent video writes on %s', (dialect) => {
  let t: TestApp;
  let users: { name: string; sid: string; id: number }[];

  beforeAll(async () => {
    t = await buildTestApp(dialect, { video_create_rate_limit: 1000 });
    users = await Promise.all(Array.from({ length: 12 }, () => signUp(t.app, uniqueName('writer'))));
  });
  afterAll(async () => t?.close());

  it('creates, edits and ratings by many users at once all succeed', async () => {
    const created = await Promise.all(
      users.flatMap((u) =>
        [1, 2].map((i) =>
          t.app.inject({ method: 'POST', url: `/user/${u.name}/videos`, headers: { 'x-session-id': u.sid }, payload: { name: `v${i}`, tags: ['cats', `t${i}`], description: 'd' } }),
        ),
      ),
    );
    expect(created.map((r) => r.statusCode)).toEqual(created.map(() => 201));
    const videos = created.map((r) => r.json() as { id: string; author: string });
    for (const v of videos) await markVideoUploaded(t.db.kysely, v.id, { size: 1, content_type: 'video/mp4' }, Date.now());

    const sid = (name: string) => users.find((u) => u.name === name)!.sid;
    const edits = await Promise.all(
      videos.map((v, i) =>
        t.app.inject({ method: 'PATCH', url: `/user/${v.author}/videos/${v.id}`, headers: { 'x-session-id': sid(v.author) }, payload: { tags: [`e${i}`, 'cats'] } }),
      ),
    );
    expect(edits.map((r) => r.statusCode)).toEqual(edits.map(() => 200));

    const ratings = await Promise.all(
      users.flatMap((u, i) =>
        videos.slice(0, 6).map((v) => t.app.inject({ method: 'PUT', url: `/videos/${v.id}/rating`, headers: { 'x-session-id': u.sid }, payload: { rating: i % 2 ? 'like' : 'dislike' } })),
      ),
    );
    expect(ratings.map((r) => r.statusCode)).toEqual(ratings.map(() => 200));
    const first = (await t.app.inject(`/videos/${videos[0].id}`)).json() as { likes: number; dislikes: number };
    expect([first.likes, first.dislikes]).toEqual([6, 6]);
  }, 60_000);
});
