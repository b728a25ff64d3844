import type { ColumnType } from 'kysely';
import type { Privacy } from './schema.js';

/** The social tables (migration 009): lists, people, the inbox. */
export interface FavoritesTable {
  user_id: number;
  video_id: string;
  time: number;
}

export interface PlaylistsTable {
  id: string;
  owner_id: number;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  privacy: ColumnType<Privacy, Privacy | undefined, Privacy>;
  videos_count: ColumnType<number, number | undefined, number>;
  create_time: number;
  updated_at: number;
}

export interface PlaylistItemsTable {
  playlist_id: string;
  video_id: string;
  /** 0-based. */
  position: number;
  added_at: number;
}

export interface FollowsTable {
  follower_id: number;
  followee_id: number;
  time: number;
}

export interface BlocksTable {
  user_id: number;
  blocked_id: number;
  time: number;
}

export interface WatchHistoryTable {
  user_id: number;
  video_id: string;
  watched_at: number;
}

export type NotificationType = 'new_video' | 'comment' | 'reply' | 'mention' | 'follow' | 'message' | 'takedown';

export interface NotificationsTable {
  id: string;
  user_id: number;
  type: NotificationType;
  actor_id: number | null;
  video_id: string | null;
  comment_id: string | null;
  /** A takedown's reason (migration 019). */
  detail: ColumnType<string | null, string | null | undefined, string | null>;
  count: ColumnType<number, number | undefined, number>;
  read: ColumnType<number, number | undefined, number>;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  id: string;
  from_id: number;
  to_id: number;
  content: string;
  time: number;
  read: ColumnType<number, number | undefined, number>;
}

export interface ConversationsTable {
  user_id: number;
  other_id: number;
  last_message_id: string;
  last_time: number;
  unread_count: ColumnType<number, number | undefined, number>;
}
