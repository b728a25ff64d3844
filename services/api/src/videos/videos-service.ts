import { v7 as uuidv7 } from 'uuid';
import {
  createSearchIndex,
  displayCtime,
  findUserByName,
  hotRank,
  insertDelRec,
  insertVideo,
  isVideoId,
  isVisibleTo,
  notFound,
  softDeleteVideo,
  transactionWithRetry,
  type Db,
  type Executor,
  type PageQuery,
  type SearchIndex,
  type SessionUser,
  type Video,
} from '@video/shared';
import { isValidUserName } from '../http/input.js';
import { fetchPage, type Page } from '../http/pagination.js';
import { openGate, type EmailGate } from '../accounts/email-gate.js';
import type { VideoMeta } from './video-input.js';
import { findLiveVideoWithAuthor, listLiveVideosByUserName, replaceVideoTags, type VideoRow, type VideoWithAuthor } from './videos-repository.js';

const noSuchVideo = () => notFound('no such video');
export type { VideoWithAuthor };
/** A new video has no file, so no processing task yet. */
const NO_TASK = { task_state: null, task_progress: null, task_error: null };

function tagsOf(v: Video): string[] {
  try {
    return JSON.parse(v.tags) as string[];
  } catch {
    return [];
  }
}

function newVideoRow(author: SessionUser, meta: VideoMeta & { name: string }, now: number): Video {
  return {
    id: uuidv7(), // rises within the millisecond: same-ms videos keep their order in lists
    author_id: author.user_id,
    name: meta.name,
    display_ctime: displayCtime(now),
    create_time: now,
    deleted_at: null,
    upload_state: 'pending',
    size: null,
    content_type: null,
    updated_at: now,
    description: meta.description ?? '',
    tags: JSON.stringify(meta.tags ?? []),
    privacy: meta.privacy ?? 'public',
    duration: null,
    width: null,
    height: null,
    poster: null,
    media_gen: null,
    announced_at: null,
    comments_policy: 'open',
    hidden_at: null,
    storage: 'local',
    views: 0,
    likes: 0,
    dislikes: 0,
    comments_count: 0,
    hot: hotRank({ likes: 0, dislikes: 0, comments: 0, recentViews: 0, createTimeMs: now }),

  };
}

/** The columns an edit sets. */
function editedColumns(meta: VideoMeta, now: number) {
  return {
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    ...(meta.description !== undefined ? { description: meta.description } : {}),
    ...(meta.tags !== undefined ? { tags: JSON.stringify(meta.tags) } : {}),
    ...(meta.privacy !== undefined ? { privacy: meta.privacy } : {}),
    ...(meta.comments_policy !== undefined ? { comments_policy: meta.comments_policy } : {}),
    updated_at: now,
  };
}

/** The tags and the search document follow the row, in the transaction that wrote it. */
async function writeDocuments(search: SearchIndex, trx: Executor, v: VideoWithAuthor): Promise<void> {
  const tags = tagsOf(v);
  await replaceVideoTags(trx, v.id, tags);
  await search.put(trx, { id: v.id, name: v.name, description: v.description, tags, author: v.author });
}

async function findVisibleVideo(db: Db, videoId: string, viewerId: number | null): Promise<VideoWithAuthor> {
  if (!isVideoId(videoId)) throw noSuchVideo();
  const video = await findLiveVideoWithAuthor(db.kysely, videoId);
  if (!video || !isVisibleTo(video, viewerId)) throw noSuchVideo();
  return video;
}

/** The UPDATE first, so SQLite takes its write lock at once (see deleteOwn); then the documents. */
async function applyEdit(db: Db, search: SearchIndex, owner: SessionUser, videoId: string, meta: VideoMeta): Promise<VideoWithAuthor> {
  if (!isVideoId(videoId)) throw noSuchVideo();
  const set = editedColumns(meta, Date.now());
  return transactionWithRetry(db, async (trx) => {
    const r = await trx.updateTable('video_info').set(set).where('id', '=', videoId).where('author_id', '=', owner.user_id).where('deleted_at', 'is', null).executeTakeFirst();
    const video = Number(r.numUpdatedRows) === 1 ? await findLiveVideoWithAuthor(trx, videoId) : undefined;
    if (!video) throw noSuchVideo();
    await writeDocuments(search, trx, video);
    return video;
  });
}

async function createVideo(db: Db, search: SearchIndex, gate: EmailGate, author: SessionUser, meta: VideoMeta & { name: string }): Promise<VideoWithAuthor> {
  await gate(author);
  const row = newVideoRow(author, meta, Date.now());
  const video: VideoWithAuthor = { ...row, author: author.user_name, ...NO_TASK };
  await transactionWithRetry(db, async (trx) => {
    await insertVideo(trx, row);
    await writeDocuments(search, trx, video);
  });
  return video;
}

/** `videoChanged` tells the stream servers (stream-invalidation.ts); awaited before a write returns. */
export function createVideosService(db: Db, videoChanged: (id: string) => Promise<void> = async () => undefined, gate: EmailGate = openGate) {
  const search = createSearchIndex(db.dialect);
  const findVisible = (videoId: string, viewerId: number | null) => findVisibleVideo(db, videoId, viewerId);

  return {
    findVisible,

    /** Uploading needs a video record, so the email gate here also gates uploads. */
    create: (author: SessionUser, meta: VideoMeta & { name: string }) => createVideo(db, search, gate, author, meta),

    /** An owner's edit: the row, its tags and its search document change together; stream caches are told. */
    async update(owner: SessionUser, videoId: string, meta: VideoMeta): Promise<VideoWithAuthor> {
      const updated = await applyEdit(db, search, owner, videoId, meta);
      await videoChanged(videoId);
      return updated;
    },

    /** A user's videos: all of them for the owner, the public ones for anyone else. */
    async listByUserName(userName: string, page: PageQuery, viewer: SessionUser | null): Promise<Page<VideoRow>> {
      if (!isValidUserName(userName)) throw notFound('no such user');
      const onlyPublic = viewer?.user_name !== userName;
      const result = await fetchPage(page, (p) => listLiveVideosByUserName(db.kysely, userName, p, onlyPublic), (v) => ({
        time: Number(v.create_time),
        id: v.id,
      }));
      if (result.items.length === 0 && !(await findUserByName(db.kysely, userName))) throw notFound('no such user');
      return result;
    },

    /** A live video under its author's name; any mismatch, or a private video of someone else, is a 404. */
    async getOfUser(userName: string, videoId: string, viewerId: number | null): Promise<VideoWithAuthor> {
      if (!isValidUserName(userName)) throw noSuchVideo();
      const video = await findVisible(videoId, viewerId);
      if (video.author !== userName) throw noSuchVideo();
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
        await search.remove(trx, videoId);
      });
      await videoChanged(videoId);
    },
  };
}

export type VideosService = ReturnType<typeof createVideosService>;
