import { EventEmitter } from 'node:events';
import { v7 as uuidv7 } from 'uuid';
import type { Executor, NotificationType } from '@video/shared';
import { isBlocked } from '../blocks/index.js';

/** One event worth telling a user about. */
export interface NotifyInput {
  /** Who is told. */
  userId: number;
  type: NotificationType;
  /** Who did it; null for the site's own actions (a takedown). Never told of their own action. */
  actorId: number | null;
  videoId?: string | null;
  commentId?: string | null;
  /** What the item says beyond its type (a takedown's reason). */
  detail?: string | null;
  now?: number;
}

/**
 * Stored notifications announce themselves here after their write, with the id of the row; the
 * live delivery (the per-user WebSocket channel) listens. The emit comes after the caller's
 * transaction commits only when the caller passes `afterCommit` to its own hook: see notify().
 */
export const notificationEvents = new EventEmitter();
notificationEvents.setMaxListeners(0);

export interface StoredNotification {
  id: string;
  userId: number;
}

/**
 * A burst folds into one unread item: an event of the same type on the same video (for messages:
 * from the same sender) within this long of the item's latest event raises its count and moves it
 * to the top, instead of adding a row. Ten comments in a minute are one bell entry, "10 comments".
 */
export const COALESCE_WINDOW_MS = 60_000;

/**
 * Stores a notification (inside the caller's transaction when given one) and returns what the live
 * delivery needs, or null when nobody is to be told (one's own action, or an actor the user has
 * blocked). The caller emits it with announceNotifications() once its transaction has committed.
 */
export async function notify(db: Executor, n: NotifyInput): Promise<StoredNotification | null> {
  if (n.actorId !== null && n.actorId === n.userId) return null;
  if (n.actorId !== null && (await isBlocked(db, { ownerId: n.userId, actorId: n.actorId }))) return null;
  const now = n.now ?? Date.now();
  const folded = await foldIntoRecent(db, n, now);
  if (folded) return { id: folded, userId: n.userId };
  const id = uuidv7();
  await db
    .insertInto('notifications')
    .values({
      id,
      user_id: n.userId,
      type: n.type,
      actor_id: n.actorId,
      video_id: n.videoId ?? null,
      comment_id: n.commentId ?? null,
      detail: n.detail ?? null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, userId: n.userId };
}

/** The id of the unread item this event joins (its count raised, its time and actor the latest), or null. */
async function foldIntoRecent(db: Executor, n: NotifyInput, now: number): Promise<string | null> {
  const videoId = n.videoId ?? null;
  let q = db
    .selectFrom('notifications')
    .select('id')
    .where('user_id', '=', n.userId)
    .where('read', '=', 0)
    .where('created_at', '>=', now - COALESCE_WINDOW_MS)
    .where('type', '=', n.type)
    .where('video_id', videoId === null ? 'is' : '=', videoId);
  if (n.type === 'message') q = q.where('actor_id', n.actorId === null ? 'is' : '=', n.actorId);
  const recent = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!recent) return null;
  const r = await db
    .updateTable('notifications')
    .set((eb) => ({
      count: eb('count', '+', 1),
      actor_id: n.actorId,
      comment_id: n.commentId ?? null,
      created_at: now,
      updated_at: now,
    }))
    .where('id', '=', recent.id)
    .where('read', '=', 0)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0 ? recent.id : null;
}

/** Hands committed notifications to the live delivery. */
export function announceNotifications(stored: readonly (StoredNotification | null)[]): void {
  for (const s of stored) if (s) notificationEvents.emit('stored', s);
}
