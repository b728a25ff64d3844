import type { Db } from '@video/shared';

export interface CaptionTrack {
  lang: string;
  vtt: string;
  etag: string;
  updated_at: number;
}

/**
 * A video's caption track in `lang`, compared case-insensitively (tags are stored as given: `zh-Hans`
 * is found by `zh-hans` too). Should two rows differ only by case, the first by lang wins.
 */
export async function findCaptionTrack(db: Db, videoId: string, lang: string): Promise<CaptionTrack | undefined> {
  return db.kysely
    .selectFrom('video_captions')
    .select(['lang', 'vtt', 'etag', 'updated_at'])
    .where('video_id', '=', videoId)
    .where((eb) => eb(eb.fn('lower', ['lang']), '=', lang.toLowerCase()))
    .orderBy('lang')
    .limit(1)
    .executeTakeFirst();
}
