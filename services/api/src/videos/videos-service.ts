import { v7 as uuidv7 } from 'uuid';
import {
  displayCtime,
  findLiveVideo,
  findUserByName,
  insertDelRec,
  insertVideo,
  notFound,
  softDeleteVideo,
  transactionWithRetry,
  type Db,
  type PageQuery,
  type Video,
  isVideoId,
} from '@video/shared';
import { isValidUserName } from '../http/input.js';
import { fetchPage, type Page } from '../http/pagination.js';
import { listLiveVideosByUserName } from './videos-repository.js';

const noSuchVideo = () => notFound('no such video');

/** `videoChanged` tells the stream servers (stream-invalidation.ts); awaited before a delete returns. */
export function createVideosService(db: Db, videoChanged: (id: string) => Promise<void> = async () => undefined) {
  return {
    async create(authorId: number, name: string): Promise<Video> {
      const now = Date.now();
      const video: Video = {
        id: uuidv7(), // rises within the millisecond: same-ms videos keep their order in lists
        author_id: authorId,
        name,
        display_ctime: displayCtime(now),
        create_time: now,
        deleted_at: null,
        upload_state: 'pending',
        size: null,
        content_type: null,
        updated_at: now,
      };
      await insertVideo(db.kysely, video);
      return video;
    },

    async listByUserName(userName: string, page: PageQuery): Promise<Page<Video>> {
      if (!isValidUserName(userName)) throw notFound('no such user');
      const result = await fetchPage(page, (p) => listLiveVideosByUserName(db.kysely, userName, p), (v) => ({
        time: Number(v.create_time),
        id: v.id,
      }));
      if (result.items.length === 0 && !(await findUserByName(db.kysely, userName))) throw notFound('no such user');
      return result;
    },

    /** A live video under its author's name; any mismatch is a 404, as if it did not exist. */
    async getOfUser(userName: string, videoId: string): Promise<Video> {
      if (!isVideoId(videoId) || !isValidUserName(userName)) throw noSuchVideo();
      const video = await findLiveVideo(db.kysely, videoId);
      if (!video) throw noSuchVideo();
      const author = await findUserByName(db.kysely, userName);
      if (!author || author.id !== Number(video.author_id)) throw noSuchVideo();
      return video;
    },

    /**
     * Soft delete and purge record in one transaction, the UPDATE first so SQLite takes its write
     * lock at once (a read first would make the upgrade fail under concurrent writers).
     */
    async deleteOwn(authorId: number, videoId: string): Promise<void> {
      if (!isVideoId(videoId)) throw noSuchVideo();
      const now = Date.now();
      await transactionWithRetry(db, async (trx) => {
        if (!(await softDeleteVideo(trx, videoId, authorId, now))) throw noSuchVideo();
        await insertDelRec(trx, videoId, now);
      });
      await videoChanged(videoId);
    },
  };
}

export type VideosService = ReturnType<typeof createVideosService>;
