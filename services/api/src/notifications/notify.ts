import { EventEmitter } from 'node:events';
import { v7 as uuidv7 } from 'uuid';
import type { Executor, NotificationType } from '@video/shared';

/** One event worth telling a user about. */
export interface NotifyInput {
  /** Who is told. */
  userId: number;
  type: NotificationType;
  /** Who did it; null for the site's own actions (a takedown). Never told of their own action. */
  actorId: number | null;
  videoId?: string | null;
  commentId?: string | null;
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
 * Stores a notification (inside the caller's transaction when given one) and returns what the live
 * delivery needs, or null when nobody is to be told (one's own action). The caller emits it with
 * announceNotifications() once its transaction has committed.
 */
export async function notify(db: Executor, n: NotifyInput): Promise<StoredNotification | null> {
  if (n.actorId !== null && n.actorId === n.userId) return null;
  const now = n.now ?? Date.now();
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
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, userId: n.userId };
}

/** Hands committed notifications to the live delivery. */
export function announceNotifications(stored: readonly (StoredNotification | null)[]): void {
  for (const s of stored) if (s) notificationEvents.emit('stored', s);
}
