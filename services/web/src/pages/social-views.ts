// The values the social pages print, from the api's answers. Pure, so they are table-tested.
import type { ConversationJson, MessageJson, MessagePage, PlaylistJson } from './api-shapes.js';
import { DOWN_NOTICE } from './page-context.js';
import { formatAge, toCard, watchPath } from './page-models.js';
import type { Read } from './public-api.js';

export interface ConversationItem {
  name: string;
  href: string;
  preview: string;
  age: string;
  unread: number;
  current: boolean;
}

export interface MessageItem {
  id: string;
  mine: boolean;
  content: string;
  time: string;
  age: string;
}

const threadHref = (name: string) => `/messages?with=${encodeURIComponent(name)}`;

export function conversationItem(c: ConversationJson, current: string): ConversationItem {
  return {
    name: c.with.user_name,
    href: threadHref(c.with.user_name),
    preview: c.last_message ? c.last_message.content.slice(0, 120) : '',
    age: c.last_message ? formatAge(c.last_message.time) : '',
    unread: c.with.user_name === current ? 0 : c.unread_count,
    current: c.with.user_name === current,
  };
}

/** A thread oldest first (the api answers newest first), each message marked as the viewer's own or not. */
export function messageItems(messages: MessageJson[], me: string): MessageItem[] {
  return [...messages].reverse().map((m) => ({ id: m.id, mine: m.from.user_name === me, content: m.content, time: m.time, age: formatAge(m.time) }));
}

/** The /messages page: the conversations, and the thread with `other` when one is open. */
export function messageView(me: string, other: string, list: Read<ConversationJson[]>, thread: Read<MessagePage> | undefined) {
  const conversations = 'ok' in list ? list.ok.map((c) => conversationItem(c, other)) : [];
  return {
    me,
    other,
    otherHref: other ? `/u/${encodeURIComponent(other)}` : '',
    conversations,
    messages: thread && 'ok' in thread ? messageItems(thread.ok.messages, me) : [],
    olderCursor: thread && 'ok' in thread ? (thread.ok.next_cursor ?? '') : '',
    threadMissing: thread !== undefined && 'missing' in thread,
    notice: 'down' in list || (thread !== undefined && 'down' in thread) ? DOWN_NOTICE : '',
  };
}

/** The playlist beside the watch page's player: its videos in order, the one playing, and the next. */
export function playlistQueue(list: PlaylistJson, currentId: string) {
  const href = (id: string) => `${watchPath(id)}?list=${encodeURIComponent(list.id)}`;
  const index = list.videos.findIndex((v) => v.id === currentId);
  const next = index >= 0 ? list.videos[index + 1] : undefined;
  return {
    id: list.id,
    name: list.name,
    href: `/playlists/${encodeURIComponent(list.id)}`,
    position: index + 1,
    total: list.videos.length,
    items: list.videos.map((v) => ({ ...toCard(v), href: href(v.id), current: v.id === currentId })),
    nextHref: next ? href(next.id) : '',
  };
}
