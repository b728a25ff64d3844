import { toIso } from '@video/shared';
import { visibleVideo, type NotificationRow } from './notifications-repository.js';
import type { NotificationJson } from './notifications-schemas.js';

export function notificationJson(row: NotificationRow): NotificationJson {
  const video = visibleVideo(row);
  return {
    id: row.id,
    type: row.type,
    created_at: toIso(Number(row.created_at)),
    read: Number(row.read) === 1,
    count: Number(row.count),
    actor: row.actor_id !== null && row.actor_name !== null ? { id: Number(row.actor_id), user_name: row.actor_name } : null,
    video,
    comment:
      row.comment_id !== null && row.comment_content !== null && (video !== null || row.video_id === null)
        ? { id: row.comment_id, content: row.comment_content }
        : null,
    reason: row.detail ?? null,
  };
}
