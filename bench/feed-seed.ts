/**
 * The data bench/feed.ts measures against, written straight through the database (no api round
 * trips): a reader who follows `channels` channels that hold `videos` videos in total, spread over
 * a year, one in twenty of them private, unlisted or without a file (the feed must skip those), and
 * as many channels again that the reader does not follow, with `others` videos of their own.
 */
import bcrypt from 'bcrypt';
import { connectDatabase, displayCtime, migrate, type Db, type NewVideo } from '@video/shared';
import { prng } from '../test/system/harness/fuzz.js';

/** The reader's name: insertUsers numbers each name. */
export const READER = 'feed_reader0';
export const READER_PWD = 'bench-pwd';
const BATCH = 500;
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface FeedSeed {
  channels: number;
  videos: number;
  others: number;
}

async function insertUsers(db: Db, prefix: string, n: number, pwd_hash: string): Promise<number[]> {
  const now = Date.now();
  for (let start = 0; start < n; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, n - start) }, (_, i) => ({ user_name: `${prefix}${start + i}`, pwd_hash, create_time: now }));
    await db.kysely.insertInto('users').values(rows).execute();
  }
  const rows = await db.kysely.selectFrom('users').select('id').where('user_name', 'like', `${prefix}%`).execute();
  return rows.map((r) => Number(r.id));
}

function video(i: number, author_id: number, t: number, rand: () => number): NewVideo {
  const id = `30000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const r = rand();
  const hidden = r < 0.02 ? { privacy: 'private' as const } : r < 0.04 ? { privacy: 'unlisted' as const } : { privacy: 'public' as const };
  const state = r >= 0.04 && r < 0.05 ? 'pending' : 'ready';
  return { id, author_id, name: `video ${i}`, display_ctime: displayCtime(t), create_time: t, deleted_at: null, upload_state: state, size: 1_000_000, content_type: 'video/mp4', updated_at: t, ...hidden };
}

async function insertVideos(db: Db, authors: number[], n: number, offset: number, rand: () => number): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < n; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, n - start) }, (_, k) => {
      const i = offset + start + k;
      return video(i, authors[Math.floor(rand() * authors.length)]!, now - Math.floor(rand() * YEAR_MS), rand);
    });
    await db.kysely.insertInto('video_info').values(rows).execute();
  }
}

/** Migrates the database at `url` and writes the reader, the channels, their videos and the follows. */
export async function seedFeed(url: string, s: FeedSeed): Promise<void> {
  const db = connectDatabase(url);
  try {
    await migrate(db);
    const pwd_hash = await bcrypt.hash(READER_PWD, 4);
    const [reader] = await insertUsers(db, 'feed_reader', 1, pwd_hash);
    const followed = await insertUsers(db, 'followed_', s.channels, pwd_hash);
    const others = await insertUsers(db, 'other_', s.channels, pwd_hash);
    const rand = prng(20261203);
    await insertVideos(db, followed, s.videos, 0, rand);
    await insertVideos(db, others, s.others, s.videos, rand);
    const follows = followed.map((followee_id, i) => ({ follower_id: reader!, followee_id, time: Date.now() - i }));
    for (let start = 0; start < follows.length; start += BATCH) await db.kysely.insertInto('follows').values(follows.slice(start, start + BATCH)).execute();
    await db.kysely.updateTable('users').set({ following_count: followed.length }).where('id', '=', reader!).execute();
  } finally {
    await db.close();
  }
}
