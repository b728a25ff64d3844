import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser, insertVideo, type Db, type NewVideo } from '@video/shared';
import { openTestDb, testDialects } from '@video/shared/testing';
import { countListedVideos, listChannelVideos, listPublicVideos, listRelated, type FeedSort } from '../../src/feed/feed-repository.js';

describe.each(testDialects())('feed data on %s', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let ann: number;
  let bob: number;
  let t = 10_000;

  const add = async (id: string, author: number, extra: Partial<NewVideo> = {}) => {
    t += 1000;
    const v: NewVideo = { id, author_id: author, name: id, display_ctime: 'x', create_time: t, deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: t, ...extra };
    await insertVideo(db.kysely, v);
  };
  const ids = async (sort: FeedSort, limit = 50) => (await listPublicVideos(db.kysely, sort, { limit })).map((v) => v.id);

  beforeAll(async () => {
    ({ db, close } = await openTestDb(dialect));
    ann = await insertUser(db.kysely, { user_name: 'ann', pwd_hash: 'h', create_time: 1 });
    bob = await insertUser(db.kysely, { user_name: 'bob', pwd_hash: 'h', create_time: 1 });
    await add('a1', ann, { views: 5, likes: 1, hot: 30 });
    await add('a2', ann, { views: 50, likes: 0, hot: 10 });
    await add('b1', bob, { views: 5, likes: 9, hot: 20 });
    await add('b-private', bob, { privacy: 'private', views: 999 });
    await add('b-unlisted', bob, { privacy: 'unlisted', views: 999 });
    await add('b-pending', bob, { upload_state: 'pending', views: 999 });
    await add('b-deleted', bob, { deleted_at: 1, views: 999 });
    for (const [vid, tag] of [['a1', 'cats'], ['b1', 'cats'], ['b1', 'dogs'], ['a2', 'dogs'], ['b-private', 'cats']]) {
      await db.kysely.insertInto('video_tags').values({ video_id: vid, tag }).execute();
    }
  });
  afterAll(async () => close?.());

  it('each sort lists only public videos with a file, in its order, with the author name', async () => {
    expect(await ids('recent')).toEqual(['b1', 'a2', 'a1']);
    expect(await ids('views')).toEqual(['a2', 'b1', 'a1']);
    expect(await ids('likes')).toEqual(['b1', 'a1', 'a2']);
    expect(await ids('hot')).toEqual(['a1', 'b1', 'a2']);
    const [first] = await listPublicVideos(db.kysely, 'recent', { limit: 1 });
    expect(first.author).toBe('bob');
  });

  it('pages on (key, id) without repeats or gaps, ties broken by id', async () => {
    const seen: string[] = [];
    let before: { time: number; id: string } | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await listPublicVideos(db.kysely, 'views', { limit: 1, before });
      if (page.length === 0) break;
      seen.push(page[0].id);
      before = { time: Number(page[0].views), id: page[0].id };
    }
    expect(seen).toEqual(['a2', 'b1', 'a1']);
  });

  it('a channel shows the owner everything live and others the listed videos', async () => {
    expect((await listChannelVideos(db.kysely, bob, true, { limit: 50 })).map((v) => v.id)).toEqual(['b-pending', 'b-unlisted', 'b-private', 'b1']);
    expect((await listChannelVideos(db.kysely, bob, false, { limit: 50 })).map((v) => v.id)).toEqual(['b1']);
    expect(await countListedVideos(db.kysely, bob)).toBe(1);
  });

  it('related: shared tags first, then the same author, never the video itself or a hidden one', async () => {
    const a1 = (await listPublicVideos(db.kysely, 'recent', { limit: 50 })).find((v) => v.id === 'a1')!;
    const related = (await listRelated(db.kysely, a1, 10)).map((v) => v.id);
    expect(related[0]).toBe('b1');
    expect(related).toContain('a2');
    expect(related).not.toContain('a1');
    expect(related.some((id) => id.startsWith('b-'))).toBe(false);
    expect(await listRelated(db.kysely, a1, 1)).toHaveLength(1);
  });
});
