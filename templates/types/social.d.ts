// The social routes' JSON as the contract ("Social: favorites, playlists, follows, notifications,
// site messages") defines it, for the page scripts.
import type { Comment, Privacy, Video } from './api';

export interface UserRef {
  id: number;
  user_name: string;
}

export interface UserPage {
  users: UserRef[];
  next_cursor: string | null;
}

export interface Playlist {
  id: string;
  owner: UserRef;
  name: string;
  description: string;
  privacy: Privacy;
  videos_count: number;
  create_time: string;
  videos?: Video[];
}

export interface PlaylistPage {
  playlists: Playlist[];
  next_cursor: string | null;
}

/** A comment with its thread fields. */
export type ThreadComment = Comment & {
  parent_id?: string | null;
  replies_count?: number;
  edited_time?: string | null;
  pinned?: boolean;
};

export interface ThreadPage {
  comments: ThreadComment[];
  next_cursor: string | null;
}

export type NotificationType = 'new_video' | 'comment' | 'reply' | 'mention' | 'follow' | 'message' | 'takedown';

export interface Notification {
  id: string;
  type: NotificationType;
  created_at: string;
  read: boolean;
  count?: number;
  actor: UserRef | null;
  video: { id: string; name: string } | null;
  comment: { id: string; content: string } | null;
  /** A takedown's reason; null for other types. */
  reason?: string | null;
}

export interface NotificationPage {
  notifications: Notification[];
  next_cursor: string | null;
  unread_count: number;
}

export interface Message {
  id: string;
  from: UserRef;
  to: UserRef;
  content: string;
  time: string;
  read: boolean;
}

export interface MessagePage {
  messages: Message[];
  next_cursor: string | null;
}

export interface Conversation {
  with: UserRef;
  last_message: Message;
  unread_count: number;
}

export interface ConversationList {
  conversations: Conversation[];
}
