import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type {
  BlocksTable,
  ConversationsTable,
  FavoritesTable,
  FollowsTable,
  MessagesTable,
  NotificationsTable,
  PlaylistItemsTable,
  PlaylistsTable,
  WatchHistoryTable,
} from './schema-social.js';

import type {
  AuditLogTable,
  CommentState,
  CommentsPolicy,
  IdentitiesTable,
  MailTokensTable,
  PhoneCodesTable,
  RefreshTokensTable,
  ReportsTable,
  Role,
} from './schema-accounts.js';

export * from './schema-social.js';
export * from './schema-accounts.js';

/**
 * The tables. Times are integer milliseconds since the epoch on both databases (converted to ISO
 * strings only at the edge); booleans are 0/1.
 */
export interface UsersTable {
  id: Generated<number>;
  user_name: string;
  pwd_hash: string;
  create_time: number;
  followers_count: ColumnType<number, number | undefined, number>;
  following_count: ColumnType<number, number | undefined, number>;
  email: ColumnType<string | null, string | null | undefined, string | null>;
  email_verified: ColumnType<number, number | undefined, number>;
  phone: ColumnType<string | null, string | null | undefined, string | null>;
  role: ColumnType<Role, Role | undefined, Role>;
  banned_at: ColumnType<number | null, number | null | undefined, number | null>;
  ban_reason: ColumnType<string | null, string | null | undefined, string | null>;
  deleted_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  create_time: number;
  expires_at: number;
}

export type UploadState = 'pending' | 'ready';

export interface VideoInfoTable {
  id: string;
  author_id: number;
  name: string;
  display_ctime: string;
  create_time: number;
  deleted_at: number | null;
  upload_state: UploadState;
  size: number | null;
  content_type: string | null;
  updated_at: number;
  description: ColumnType<string, string | undefined, string>;
  /** JSON array of the tags as written. */
  tags: ColumnType<string, string | undefined, string>;
  privacy: ColumnType<Privacy, Privacy | undefined, Privacy>;
  duration: ColumnType<number | null, number | null | undefined, number | null>;
  width: ColumnType<number | null, number | null | undefined, number | null>;
  height: ColumnType<number | null, number | null | undefined, number | null>;
  poster: ColumnType<string | null, string | null | undefined, string | null>;
  views: ColumnType<number, number | undefined, number>;
  likes: ColumnType<number, number | undefined, number>;
  dislikes: ColumnType<number, number | undefined, number>;
  comments_count: ColumnType<number, number | undefined, number>;
  /** The "hot" rank ×1e6 (scheduler). */
  hot: ColumnType<number, number | undefined, number>;
  /** The folder (under video_dir/.media/<id>/) of the derived files being served; null: none yet. */
  media_gen: ColumnType<string | null, string | null | undefined, string | null>;
  /** When its followers were told of it (new_video); null until then. */
  announced_at: ColumnType<number | null, number | null | undefined, number | null>;
  comments_policy: ColumnType<CommentsPolicy, CommentsPolicy | undefined, CommentsPolicy>;
  hidden_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** Where the files are: video_dir, or the bucket (storage_type s3; the move task sets it). */
  storage: ColumnType<VideoStorage, VideoStorage | undefined, VideoStorage>;
}

export type VideoStorage = 'local' | 's3';

export type Privacy = 'public' | 'unlisted' | 'private';

export interface VideoTagsTable {
  video_id: string;
  /** Normalised (normalizeForSearch). */
  tag: string;
}

export interface VideoRatingsTable {
  user_id: number;
  video_id: string;
  /** 1 like, -1 dislike. */
  value: number;
  time: number;
}

export interface VideoViewReportsTable {
  video_id: string;
  /** `u:<user id>` or `a:<client address>`. */
  viewer: string;
  first_at: number;
  counted_at: number | null;
}

export interface VideoViewsDailyTable {
  video_id: string;
  /** Days since the epoch, UTC. */
  day: number;
  views: number;
}

/** The search documents, normalised; on SQLite an FTS5 table. */
export interface VideoSearchTable {
  video_id: string;
  name: string;
  tags: string;
  description: string;
  author: string;
  /** MySQL only (migration 023): the document's number in video_search_grams' bitmaps. */
  seq: Generated<number>;
}

/** MySQL only (migration 023): per trigram and run of 2,048 seqs, a bitmap of the documents holding it. */
export interface VideoSearchGramsTable {
  gram: Buffer;
  chunk: number;
  bits: Buffer;
}

export interface CommentsTable {
  id: string;
  video_id: string;
  author_id: number;
  content: string;
  time: number;
  /** The top-level comment this one replies to; null for a top-level comment. */
  parent_id: ColumnType<string | null, string | null | undefined, string | null>;
  replies_count: ColumnType<number, number | undefined, number>;
  edited_time: ColumnType<number | null, number | null | undefined, number | null>;
  /** 1 for the video's one pinned comment. */
  pinned: ColumnType<number, number | undefined, number>;
  state: ColumnType<CommentState, CommentState | undefined, CommentState>;
}

export interface VideoDelRecTable {
  video_id: string;
  create_time: number;
  /** Scheduler instance that holds the record, until claimed_until. */
  claimed_by: string | null;
  claimed_until: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

export interface DanmakuTable {
  id: string;
  video_id: string;
  author_id: number;
  /** Seconds into the video. */
  time: number;
  /** 0 scroll, 1 top, 2 bottom. */
  type: number;
  /** 0xRRGGBB. */
  color: number;
  text: string;
  create_time: number;
}

/** 'active': bytes still arriving; 'done': moved into place (kept so a late HEAD still answers). */
export type TusUploadState = 'active' | 'done';

/** A resumable (tus) upload: its id is the last segment of the upload URL. */
export interface UploadsTable {
  id: string;
  video_id: string;
  user_id: number;
  size: number;
  state: TusUploadState;
  create_time: number;
  expires_at: number;
}

export type TaskState = 'queued' | 'running' | 'done' | 'failed';

/** Work on one video the scheduler does outside any request (kind 'process': the media pipeline). */
export interface VideoTasksTable {
  video_id: string;
  kind: string;
  state: TaskState;
  /** Bumped by every (re)queue, so a run for an older file cannot install its output. */
  seq: number;
  attempts: number;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number;
  /** 0–100. */
  progress: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** A caption track, stored as WebVTT. */
export interface VideoCaptionsTable {
  video_id: string;
  lang: string;
  vtt: string;
  etag: string;
  updated_at: number;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  video_info: VideoInfoTable;
  comments: CommentsTable;
  video_del_rec: VideoDelRecTable;
  schema_migrations: SchemaMigrationsTable;
  uploads: UploadsTable;
  danmaku: DanmakuTable;
  video_tags: VideoTagsTable;
  video_ratings: VideoRatingsTable;
  video_view_reports: VideoViewReportsTable;
  video_views_daily: VideoViewsDailyTable;
  video_search: VideoSearchTable;
  video_search_grams: VideoSearchGramsTable;
  video_tasks: VideoTasksTable;
  video_captions: VideoCaptionsTable;
  favorites: FavoritesTable;
  playlists: PlaylistsTable;
  playlist_items: PlaylistItemsTable;
  follows: FollowsTable;
  blocks: BlocksTable;
  watch_history: WatchHistoryTable;
  notifications: NotificationsTable;
  messages: MessagesTable;
  conversations: ConversationsTable;
  mail_tokens: MailTokensTable;
  refresh_tokens: RefreshTokensTable;
  identities: IdentitiesTable;
  phone_codes: PhoneCodesTable;
  reports: ReportsTable;
  audit_log: AuditLogTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type Video = Selectable<VideoInfoTable>;
export type NewVideo = Insertable<VideoInfoTable>;
export type VideoUpdate = Updateable<VideoInfoTable>;
export type Comment = Selectable<CommentsTable>;
export type NewComment = Insertable<CommentsTable>;
export type VideoDelRec = Selectable<VideoDelRecTable>;
export type Danmaku = Selectable<DanmakuTable>;
export type NewDanmaku = Insertable<DanmakuTable>;
export type TusUpload = Selectable<UploadsTable>;
export type NewTusUpload = Insertable<UploadsTable>;
