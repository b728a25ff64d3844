/**
 * The data bench/api.ts measures against, written straight through the shared repositories (no
 * api round trips), so 10,000 videos take seconds: one user with 1,000 videos and one video with
 * 1,000 comments for the list routes, and a second user with 10,000 public videos that have a
 * file, with descriptions, tags (video_tags) and search documents, for the public site's routes.
 */
import bcrypt from 'bcrypt';
import { pickWith as pick, prng } from '../test/system/harness/fuzz.js';
import { sql } from 'kysely';
import { connectDatabase, createSearchIndex, displayCtime, migrate, normalizeForSearch, type Db, type NewVideo } from '@video/shared';

export const USER = 'bench_user';
export const PASSWORD = 'bench-pwd';
export const VIDEO_ID = '00000000-0000-4000-8000-00000000beef';
const LIST_SEED = 1000;
const SITE_AUTHOR = 'bench_channel';
const BATCH = 500;

/**
 * Names, descriptions and tags are drawn from these words, so a query of three of them has hits
 * (a word is in about 30 % of the videos, all three in about 3 %: some 300 of 10,000). All at least 3 characters (SQLite's trigram index
 * answers them) and none inside another, so a hit is a hit for the word itself.
 */
export const WORDS = [
  'river', 'mountain', 'guitar', 'kitchen', 'sunset', 'robot', 'garden', 'winter',
  'piano', 'desert', 'castle', 'ocean', 'forest', 'market', 'bridge', 'lantern',
  'tiger', 'comet', 'harbor', 'meadow', 'violin', 'canyon', 'glacier', 'orchard',
  'falcon', 'museum', 'volcano', 'pepper', 'trumpet', 'island', 'thunder', 'saddle',
  'compass', 'velvet', 'quartz', 'pebble', 'jungle', 'rocket', 'walrus', 'cabin',
  'mosaic', 'tundra', 'banjo', 'lagoon', 'marble', 'kettle', 'prairie', 'zephyr',
] as const;

export { pick, prng };

const words = (rand: () => number, n: number) => Array.from({ length: n }, () => pick(rand, WORDS));

/** `n` queries of three distinct words from WORDS. */
export function searchQueries(seed: number, n: number): string[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () => {
    const chosen = new Set<string>();
    while (chosen.size < 3) chosen.add(pick(rand, WORDS));
    return [...chosen].join(' ');
  });
}

export const siteVideoId = (i: number) => `20000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

export interface SeedResult {
  /** The ids of the public site's videos. */
  siteIds: string[];
}

/**
 * Migrates the database at `url` and writes everything the scenarios read. `analyze` then gathers
 * the planner's statistics (SQLite's ANALYZE, MySQL's ANALYZE TABLE), which nothing in the services
 * does today: it shows what a deployment that runs them would see.
 */
export async function seed(url: string, siteVideos: number, analyze = false): Promise<SeedResult> {
  const db = connectDatabase(url);
  try {
    await migrate(db);
    const pwd_hash = await bcrypt.hash(PASSWORD, 4);
    await seedLists(db, pwd_hash);
    const siteIds = await seedPublicSite(db, pwd_hash, siteVideos);
    if (analyze) await sql.raw(db.dialect === 'sqlite' ? 'analyze' : 'analyze table users, video_info, video_tags, video_search').execute(db.kysely);
    return { siteIds };
  } finally {
    await db.close();
  }
}

async function insertUser(db: Db, user_name: string, pwd_hash: string): Promise<number> {
  await db.kysely.insertInto('users').values({ user_name, pwd_hash, create_time: Date.now() }).execute();
  const user = await db.kysely.selectFrom('users').select('id').where('user_name', '=', user_name).executeTakeFirstOrThrow();
  return Number(user.id);
}

function readyVideo(id: string, author_id: number, name: string, t: number): NewVideo {
  return { id, author_id, name, display_ctime: displayCtime(t), create_time: t, deleted_at: null, upload_state: 'ready', size: 1_000_000, content_type: 'video/mp4', updated_at: t };
}

/** One user with 1,000 videos, one of them with 1,000 comments (the list routes). */
async function seedLists(db: Db, pwd_hash: string): Promise<void> {
  const now = Date.now();
  const authorId = await insertUser(db, USER, pwd_hash);
  for (let start = 0; start < LIST_SEED; start += 200) {
    const videos = Array.from({ length: 200 }, (_, i) => {
      const id = i + start === 0 ? VIDEO_ID : `00000000-0000-4000-8000-${String(start + i).padStart(12, '0')}`;
      return readyVideo(id, authorId, `video ${start + i}`, now - (start + i) * 1000);
    });
    await db.kysely.insertInto('video_info').values(videos).execute();
    const comments = Array.from({ length: 200 }, (_, i) => ({
      id: `10000000-0000-4000-8000-${String(start + i).padStart(12, '0')}`,
      video_id: VIDEO_ID,
      author_id: authorId,
      content: `comment number ${start + i}, with a few words to make it realistic`,
      time: now - (start + i) * 1000,
    }));
    await db.kysely.insertInto('comments').values(comments).execute();
  }
}

/**
 * `n` public videos with a file by a second user, newer than the list videos: a 3-word name, a
 * 12-word description and three tags, written in transactions of BATCH with their video_tags rows
 * and search documents, as the api's create does.
 */
async function seedPublicSite(db: Db, pwd_hash: string, n: number): Promise<string[]> {
  const rand = prng(20261203);
  const search = createSearchIndex(db.dialect);
  const authorId = await insertUser(db, SITE_AUTHOR, pwd_hash);
  const now = Date.now() + 60_000;
  const ids: string[] = [];
  for (let start = 0; start < n; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, n - start) }, (_, k) => {
      const i = start + k;
      const tags = [...new Set(words(rand, 3))];
      const video = readyVideo(siteVideoId(i), authorId, words(rand, 3).join(' '), now - i * 1000);
      return { ...video, description: words(rand, 12).join(' '), tags: JSON.stringify(tags), tagList: tags };
    });
    await db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('video_info').values(batch.map(({ tagList: _t, ...v }) => v)).execute();
      const tagRows = batch.flatMap((v) => v.tagList.map((tag) => ({ video_id: v.id, tag: normalizeForSearch(tag) })));
      await trx.insertInto('video_tags').values(tagRows).execute();
      for (const v of batch) {
        await search.put(trx, { id: v.id, name: v.name, description: v.description, tags: v.tagList, author: SITE_AUTHOR });
      }
    });
    ids.push(...batch.map((v) => v.id));
  }
  return ids;
}
