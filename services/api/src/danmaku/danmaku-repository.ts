import { sql } from 'kysely';
import { authorNotBanned, type Danmaku, type DialectName, type Executor, type NewDanmaku } from '@video/shared';

export interface DanmakuWithAuthor {
  id: string;
  time: number;
  type: number;
  color: number;
  text: string;
  author: string;
}

export async function insertDanmaku(db: Executor, row: NewDanmaku): Promise<void> {
  await db.insertInto('danmaku').values(row).execute();
}

export async function findDanmaku(db: Executor, id: string): Promise<Danmaku | undefined> {
  return db.selectFrom('danmaku').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * A video's pool: the newest `max` danmaku (by when they were posted), returned in video-time order.
 * A user removed since keeps their danmaku, shown without a name.
 */
export async function listPool(db: Executor, videoId: string, max: number): Promise<DanmakuWithAuthor[]> {
  const rows = await db
    .selectFrom('danmaku')
    .leftJoin('users', 'users.id', 'danmaku.author_id')
    .select([
      'danmaku.id',
      'danmaku.time',
      'danmaku.type',
      'danmaku.color',
      'danmaku.text',
      'danmaku.create_time',
      'users.user_name',
    ])
    .where('danmaku.video_id', '=', videoId)
    .where(authorNotBanned('danmaku.author_id'))
    .orderBy('danmaku.create_time', 'desc')
    .orderBy('danmaku.id', 'desc')
    .limit(max)
    .execute();
  return rows
    .map((r) => ({
      id: r.id,
      time: Number(r.time),
      type: Number(r.type),
      color: Number(r.color),
      text: r.text,
      author: r.user_name ?? '',
    }))
    .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function deleteDanmaku(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('danmaku').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteDanmakuOfVideo(db: Executor, videoId: string): Promise<number> {
  const r = await db.deleteFrom('danmaku').where('video_id', '=', videoId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * How many danmaku fall in each `bucketSeconds` slice of the video, as sparse [bucket, count] pairs
 * in bucket order (a stray `time` far past the end must not make a huge dense array).
 */
export async function densityOf(
  db: Executor,
  dialect: DialectName,
  videoId: string,
  bucketSeconds: number,
  maxBuckets: number,
): Promise<[number, number][]> {
  // SQLite has no floor() in every build; time is never negative, so truncation is the floor.
  const bucket = dialect === 'mysql' ? sql<number>`floor(time / ${bucketSeconds})` : sql<number>`cast(time / ${bucketSeconds} as integer)`;
  const rows = await db
    .selectFrom('danmaku')
    .select([bucket.as('bucket'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('video_id', '=', videoId)
    .where(authorNotBanned('danmaku.author_id'))
    .groupBy(bucket)
    .orderBy(bucket)
    .limit(maxBuckets)
    .execute();
  return rows.map((r) => [Number(r.bucket), Number(r.n)]);
}

export interface ExportRow {
  time: number;
  type: number;
  color: number;
  text: string;
  author_id: number;
  create_time: number;
}

/** A video's pool for export: the newest `max`, in video-time order. */
export async function listForExport(db: Executor, videoId: string, max: number): Promise<ExportRow[]> {
  const rows = await db
    .selectFrom('danmaku')
    .select(['time', 'type', 'color', 'text', 'author_id', 'create_time', 'id'])
    .where('video_id', '=', videoId)
    .where(authorNotBanned('danmaku.author_id'))
    .orderBy('create_time', 'desc')
    .orderBy('id', 'desc')
    .limit(max)
    .execute();
  return rows
    .map((r) => ({
      time: Number(r.time),
      type: Number(r.type),
      color: Number(r.color),
      text: r.text,
      author_id: Number(r.author_id),
      create_time: Number(r.create_time),
    }))
    .sort((a, b) => a.time - b.time || a.create_time - b.create_time);
}
