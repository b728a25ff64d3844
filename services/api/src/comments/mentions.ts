import type { Executor, NotificationType } from '@video/shared';
import { notify, type StoredNotification } from '../notifications/notify.js';
import { blockersOf } from '../blocks/index.js';

const NAME_CHAR = String.raw`[\p{L}\p{N}_.-]`;
/** `@` and a whole user name: not inside a word (a@b.com mentions nobody), not cut out of a longer run. */
const MENTION_RE = new RegExp(String.raw`(?<!${NAME_CHAR})@(${NAME_CHAR}{1,64})(?!${NAME_CHAR})`, 'gu');
/** At most this many names are looked up per text. */
export const MAX_MENTIONS = 20;

/**
 * The names a text mentions, in order, without repeats. A mention ending a sentence ("@bob.") also
 * tries the name without its trailing dots and dashes, since names may contain them.
 */
export function mentionedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.normalize('NFC').matchAll(MENTION_RE)) {
    const name = m[1] as string;
    names.add(name);
    const bare = name.replace(/[.-]+$/u, '');
    if (bare) names.add(bare);
    if (names.size >= MAX_MENTIONS) break;
  }
  return [...names].slice(0, MAX_MENTIONS);
}

/** The existing users a text mentions (exact names). */
export async function mentionedUsers(db: Executor, text: string): Promise<{ id: number; user_name: string }[]> {
  const names = mentionedNames(text);
  if (names.length === 0) return [];
  const rows = await db.selectFrom('users').select(['id', 'user_name']).where('user_name', 'in', names).execute();
  const wanted = new Set(names);
  return rows.filter((r) => wanted.has(r.user_name)).map((r) => ({ id: Number(r.id), user_name: r.user_name }));
}

/** When one event concerns a user in several ways, they are told once, of the most specific. */
const RANK: Partial<Record<NotificationType, number>> = { comment: 1, mention: 2, reply: 3 };

export interface CommentEvent {
  actorId: number;
  videoId: string;
  /** The video's owner, told of a `comment`; null for danmaku (mentions only). */
  videoOwnerId: number | null;
  commentId: string | null;
  text: string;
  /** The author of the comment replied to. */
  parentAuthorId: number | null;
}

/**
 * Stores the notifications one new comment, reply or danmaku raises (inside the caller's
 * transaction): `reply` to the parent's author, `mention` to each existing user named, `comment`
 * to the video's owner; one per person (reply > mention > comment), never to the actor, never to
 * someone who has blocked the actor. The caller announces them after its commit.
 */
export async function notifyForComment(db: Executor, e: CommentEvent): Promise<StoredNotification[]> {
  const want = new Map<number, NotificationType>();
  const put = (userId: number, type: NotificationType) => {
    if (userId === e.actorId) return;
    const current = want.get(userId);
    if (!current || (RANK[type] ?? 0) > (RANK[current] ?? 0)) want.set(userId, type);
  };
  if (e.videoOwnerId !== null) put(e.videoOwnerId, 'comment');
  for (const u of await mentionedUsers(db, e.text)) put(u.id, 'mention');
  if (e.parentAuthorId !== null) put(e.parentAuthorId, 'reply');
  const blockers = await blockersOf(db, e.actorId, [...want.keys()]);
  const stored: StoredNotification[] = [];
  for (const [userId, type] of want) {
    if (blockers.has(userId)) continue;
    const s = await notify(db, { userId, type, actorId: e.actorId, videoId: e.videoId, commentId: e.commentId });
    if (s) stored.push(s);
  }
  return stored;
}
