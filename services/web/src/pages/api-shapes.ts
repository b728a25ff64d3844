// The api's JSON as the pages read it (the contract's shapes, only the fields a page shows), with
// the checks that turn an answer of the wrong shape into "missing" instead of a broken page.
import type { VideoJson, VideoListJson } from './page-models.js';

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export function isVideo(value: unknown): value is VideoJson {
  return isObject(value) && typeof value.id === 'string' && typeof value.name === 'string';
}

export function asVideoList(value: unknown): VideoListJson | undefined {
  if (!isObject(value) || !Array.isArray(value.videos)) return undefined;
  const cursor = typeof value.next_cursor === 'string' ? value.next_cursor : null;
  return { videos: value.videos.filter(isVideo), next_cursor: cursor };
}

export interface UserRef {
  id?: number;
  user_name: string;
}

export interface UserPage {
  users: UserRef[];
  next_cursor: string | null;
}

export interface PlaylistJson {
  id: string;
  owner: UserRef;
  name: string;
  description?: string;
  privacy?: 'public' | 'unlisted' | 'private';
  videos_count?: number;
  videos: VideoJson[];
}

export interface PlaylistPage {
  playlists: Omit<PlaylistJson, 'videos'>[];
  next_cursor: string | null;
}

export interface MessageJson {
  id: string;
  from: UserRef;
  to: UserRef;
  content: string;
  time: string;
  read?: boolean;
}

export interface MessagePage {
  messages: MessageJson[];
  next_cursor: string | null;
}

export interface ConversationJson {
  with: UserRef;
  last_message: MessageJson | null;
  unread_count: number;
}

const isUser = (value: unknown): value is UserRef => isObject(value) && typeof value.user_name === 'string';
const cursorOf = (value: Record<string, unknown>) => (typeof value.next_cursor === 'string' ? value.next_cursor : null);

export function asUsers(value: unknown): UserPage | undefined {
  if (!isObject(value) || !Array.isArray(value.users)) return undefined;
  return { users: value.users.filter(isUser), next_cursor: cursorOf(value) };
}

export function asPlaylist(value: unknown): PlaylistJson | undefined {
  if (!isObject(value) || typeof value.id !== 'string' || typeof value.name !== 'string' || !isUser(value.owner)) return undefined;
  const videos = Array.isArray(value.videos) ? value.videos.filter(isVideo) : [];
  return { ...(value as unknown as PlaylistJson), videos };
}

export function asPlaylists(value: unknown): PlaylistPage | undefined {
  if (!isObject(value) || !Array.isArray(value.playlists)) return undefined;
  const lists = value.playlists.filter((p): p is PlaylistJson => isObject(p) && typeof p.id === 'string' && typeof p.name === 'string' && isUser(p.owner));
  return { playlists: lists, next_cursor: cursorOf(value) };
}

function isMessage(value: unknown): value is MessageJson {
  return isObject(value) && typeof value.id === 'string' && typeof value.content === 'string' && isUser(value.from) && isUser(value.to);
}

export function asMessages(value: unknown): MessagePage | undefined {
  if (!isObject(value) || !Array.isArray(value.messages)) return undefined;
  return { messages: value.messages.filter(isMessage), next_cursor: cursorOf(value) };
}

export function asConversations(value: unknown): ConversationJson[] | undefined {
  if (!isObject(value) || !Array.isArray(value.conversations)) return undefined;
  return value.conversations
    .filter((c): c is Record<string, unknown> => isObject(c) && isUser(c.with))
    .map((c) => ({
      with: c.with as UserRef,
      last_message: isMessage(c.last_message) ? c.last_message : null,
      unread_count: typeof c.unread_count === 'number' ? c.unread_count : 0,
    }));
}
