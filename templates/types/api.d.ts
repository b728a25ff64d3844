// The JSON the page scripts read, as the contract (shared/CONTRACT.md) defines it. A field renamed
// here or in the api's response schemas, or used under another name in a script, is a type error
// in `npm run typecheck`.
import type { Static } from '@sinclair/typebox';
import type { CommentJson, CommentListSchema } from '../../services/api/src/comments/comments-schemas.js';
import type { VideoInfo, VideoListSchema, VideoPatchBody } from '../../services/api/src/videos/videos-schemas.js';

/** Every error answer: `{error_code, error}`; danmaku errors add `{code: 1, msg}`. */
export interface ErrorBody {
  error_code?: string;
  error?: string;
  code?: number;
  msg?: string;
}

export type Privacy = VideoInfo['privacy'];
export type RatingValue = 'like' | 'dislike' | 'none';

/** `PUT /videos/:id/rating` → the new rating and counts; `GET` → `{rating}`. */
export interface Rating {
  rating: RatingValue;
  likes?: number;
  dislikes?: number;
}

/** `PATCH /user/:name/videos/:id`: any of name, description, tags, privacy. */
export type VideoEdit = VideoPatchBody;

/** VideoInfo, comments and their pages: the api's own response schemas, so the pages and the api cannot drift apart. */
export type Video = VideoInfo;
export type Comment = CommentJson;
export type VideoPage = Static<typeof VideoListSchema>;
export type CommentPage = Static<typeof CommentListSchema>;
export type UploadState = Video['upload_state'];

/** VideoInfo's `processing` (null before any file was stored). */
export interface Processing {
  state: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  error: string | null;
}
/** The processing state, or 'none' when no processing ever ran. */
export type MediaState = Processing['state'] | 'none';

/** `GET /videos/:id/captions` → the tracks, each served at `url`. */
export interface CaptionList {
  captions: { lang: string; url: string }[];
}

/** `POST /signin`, `POST /signup` through the web. */
export interface SignedIn {
  success: true;
  user_name: string;
}

/** One danmaku in the v3 pool: [time, type, color, author, text] (author and text HTML-escaped). */
export type DanmakuRow = [time: number, type: number | string, color: number | string, author: string, text: string];

/** `GET /danmaku/v3/` → `{code: 0, data}`. */
export interface DanmakuPool {
  code: number;
  data: DanmakuRow[];
}

/** `POST /danmaku/v3/` → `{code: 0, data: {id, …}}`. */
export interface DanmakuSent {
  code: number;
  data: { id: string };
}

/** `GET /danmaku/v3/density?id=&bucket=` → `{code: 0, data: {counts: [[bucket, n], …]}}`. */
export interface DanmakuDensity {
  code: number;
  data: { bucket?: number; counts: [number, number][] };
}

/** `GET /viewers?ids=a,b` → `{viewers: {id: n}}`. */
export interface ViewerCounts {
  viewers: Record<string, number>;
}

/** Messages the live danmaku WebSocket pushes. */
export type LiveMessage =
  | { type: 'danmaku'; id: string; data: DanmakuRow; nonce?: string }
  | { type: 'delete'; id: string }
  | { type: 'viewers'; count: number };
