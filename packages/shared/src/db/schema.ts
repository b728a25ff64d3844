import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables. Times are integer milliseconds since the epoch on both databases (converted to ISO
 * strings only at the edge); booleans are 0/1.
 */
export interface UsersTable {
  id: Generated<number>;
  user_name: string;
  pwd_hash: string;
  create_time: number;
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
}

export interface CommentsTable {
  id: string;
  video_id: string;
  author_id: number;
  content: string;
  time: number;
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
