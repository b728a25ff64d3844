import {
  badRequest,
  canonicalCaptionLang,
  conflict,
  isVideoId,
  notFound,
  findProcessing,
  queueProcessing,
  transactionWithRetry,
  type Db,
  type Executor,
  type ProcessingInfo,
} from '@video/shared';
import { captionEtag } from './caption-text.js';
import { deleteCaption, findTaskState, listCaptionLangs, lockOwnVideo, putCaption } from './media-repository.js';

const noSuchVideo = () => notFound('no such video');

export interface CaptionTrack {
  lang: string;
  url: string;
}

/** Where the stream server (and the web, passing /videos/* through) serves a track. */
export function captionTrack(videoId: string, lang: string): CaptionTrack {
  return { lang, url: `/videos/${videoId}/captions/${lang}.vtt` };
}

/** `:lang` in its canonical spelling (caption-lang.ts), or a 400. */
export function captionLang(raw: string): string {
  const lang = canonicalCaptionLang(raw);
  if (lang === null) throw badRequest('params.lang must be a BCP 47 language tag such as en, en-US or zh-Hans');
  return lang;
}

/** `videoChanged` tells the stream servers a video's served state changed (stream-invalidation.ts). */
export function createMediaService(db: Db, videoChanged: (id: string) => Promise<void> = async () => undefined) {
  /** Runs `fn` with the owner's live video locked (media-repository.ts); 404 when it is not theirs. */
  const withOwnVideo = async <T>(authorId: number, videoId: string, fn: (trx: Executor, video: { upload_state: string }) => Promise<T>): Promise<T> => {
    if (!isVideoId(videoId)) throw noSuchVideo();
    return transactionWithRetry(db, async (trx) => {
      const video = await lockOwnVideo(trx, videoId, authorId, Date.now());
      if (!video) throw noSuchVideo();
      return fn(trx, video);
    });
  };

  return {
    /** Stores the owner's track for `lang` (already canonical); `created` false when it replaced one. */
    async putCaption(authorId: number, videoId: string, lang: string, vtt: string): Promise<{ created: boolean; track: CaptionTrack }> {
      const row = { video_id: videoId, lang, vtt, etag: captionEtag(vtt), updated_at: Date.now() };
      const outcome = await withOwnVideo(authorId, videoId, (trx) => putCaption(trx, row));
      await videoChanged(videoId);
      return { created: outcome === 'created', track: captionTrack(videoId, lang) };
    },

    async deleteCaption(authorId: number, videoId: string, lang: string): Promise<void> {
      await withOwnVideo(authorId, videoId, async (trx) => {
        if (!(await deleteCaption(trx, videoId, lang))) throw notFound('no caption track in that language');
      });
      await videoChanged(videoId);
    },

    /** The tracks of a video the caller was allowed to see. */
    async listCaptions(videoId: string): Promise<CaptionTrack[]> {
      return (await listCaptionLangs(db.kysely, videoId)).map((lang) => captionTrack(videoId, lang));
    },

    /**
     * Queues the owner's video for processing again: 409 while it has no file or its task is
     * queued or running. The check and the queueing share the video's lock, so of two concurrent
     * requests one queues and the other sees it queued.
     */
    async reprocess(authorId: number, videoId: string): Promise<ProcessingInfo> {
      return withOwnVideo(authorId, videoId, async (trx, video) => {
        if (video.upload_state !== 'ready') throw conflict('the video has no file to process yet');
        const state = await findTaskState(trx, videoId);
        if (state === 'queued' || state === 'running') throw conflict(`the video's processing is already ${state}`);
        await queueProcessing(trx, videoId, Date.now());
        const queued = await findProcessing(trx, videoId);
        if (!queued) throw new Error('a queued task reads back as none');
        return queued;
      });
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;
