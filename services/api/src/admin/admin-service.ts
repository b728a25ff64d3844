import {
  badRequest,
  conflict,
  createSearchIndex,
  findAnyVideo,
  findComment,
  forbidden,
  insertDelRec,
  isVideoId,
  notFound,
  PROCESS_TASK,
  queueProcessing,
  revokeAllCredentials,
  softDeleteAnyVideo,
  transactionWithRetry,
  type Db,
  type Executor,
  type SearchIndex,
  type SessionUser,
} from '@video/shared';
import { recountCommentsTouchedBy } from '../comments/comment-counts-repository.js';
import { deleteCountedCommentIn } from '../comments/comments-repository.js';
import { deleteDanmaku, findDanmaku } from '../danmaku/danmaku-repository.js';
import { normalizeName, trimmedText } from '../http/input.js';
import { announceNotifications, notify } from '../notifications/notify.js';
import type { AccountEvents } from './account-events.js';
import { findUserRow, liveVideoIdsOf, type AdminUserRow } from './admin-repository.js';
import type { UpdateUser } from './admin-schemas.js';
import { insertAudit } from './audit-repository.js';
import { grantRole } from './role-grant.js';

/** How many of a banned user's videos the stream servers are told of at once; their row TTL covers any more. */
const MAX_INVALIDATIONS = 1000;

export interface AdminDeps {
  db: Db;
  events: AccountEvents;
  videoChanged: (id: string) => Promise<void>;
}

/** Who may do what to whom: nobody to themselves; roles are the admins'; a moderator bans only users. */
export function checkUserChange(actor: Pick<SessionUser, 'user_id' | 'role'>, target: Pick<AdminUserRow, 'id' | 'role'>, body: UpdateUser): void {
  if (body.role === undefined && body.banned === undefined) throw badRequest('body must set role or banned');
  if (target.id === actor.user_id) throw forbidden('you cannot change your own role or ban yourself');
  if (body.role !== undefined && actor.role !== 'admin') throw forbidden('only an admin may change a role');
  if (body.banned !== undefined && actor.role !== 'admin' && target.role !== 'user') throw forbidden('a moderator may ban or unban only users');
}

export function createAdminService(deps: AdminDeps) {
  const search = createSearchIndex(deps.db.dialect);
  return {
    updateUser: (actor: SessionUser, rawName: string, body: UpdateUser) => updateUser(deps, actor, rawName, body),
    takedown: (actor: SessionUser, videoId: string, reason: string) => takedown(deps, search, actor, videoId, reason),
    deleteComment: (actor: SessionUser, commentId: string) => deleteCommentAsModerator(deps.db, actor, commentId),
    deleteDanmaku: (actor: SessionUser, id: string) => deleteDanmakuAsModerator(deps, actor, id),
    retryTask: (actor: SessionUser, videoId: string) => retryTask(deps.db, actor, videoId),
  };
}

/** PATCH /admin/users/:name: a role change and/or a ban or unban, each with its audit row in its transaction. */
async function updateUser({ db, events, videoChanged }: AdminDeps, actor: SessionUser, rawName: string, body: UpdateUser): Promise<AdminUserRow> {
  const name = normalizeName(rawName);
  const reason = body.reason === undefined ? null : trimmedText('reason', body.reason, 500);
  const target = await findUserRow(db.kysely, name);
  if (!target) throw notFound('no such user');
  checkUserChange(actor, target, body);
  const now = Date.now();
  if (body.role !== undefined) await grantRole(db, name, body.role, actor.user_id, now);
  if (body.banned === true) await ban(db, actor, target, reason, now);
  if (body.banned === false) await unban(db, actor, target, reason, now);
  if (body.banned === true) {
    // Live sockets close on every instance; stream caches drop the rows so files 404 at once.
    await events.publishBanned(target.id);
    await Promise.all((await liveVideoIdsOf(db.kysely, target.id, MAX_INVALIDATIONS)).map((id) => videoChanged(id)));
  }
  const after = await findUserRow(db.kysely, name);
  if (!after) throw notFound('no such user');
  return after;
}

/** DELETE /admin/videos/:vid: purged like an owner's delete; the owner is told why. */
async function takedown({ db, videoChanged }: AdminDeps, search: SearchIndex, actor: SessionUser, videoId: string, reason: string): Promise<void> {
  if (!isVideoId(videoId)) throw notFound('no such video');
  const now = Date.now();
  const told = await transactionWithRetry(db, async (trx) => {
    if (!(await softDeleteAnyVideo(trx, videoId, now))) throw notFound('no such video');
    const video = await findAnyVideo(trx, videoId);
    if (!video) throw notFound('no such video');
    await insertDelRec(trx, videoId, now);
    await search.remove(trx, videoId);
    const stored = await notify(trx, { userId: video.author_id, type: 'takedown', actorId: null, videoId, detail: reason, now });
    const detail = { reason, name: video.name, author_id: String(video.author_id) };
    await insertAudit(trx, { actorId: actor.user_id, action: 'takedown', targetType: 'video', targetId: videoId, detail, now });
    return stored;
  });
  announceNotifications([told]);
  await videoChanged(videoId);
}

/** DELETE /admin/comments/:cid: with its replies, counters kept in step (the owner's delete path). */
async function deleteCommentAsModerator(db: Db, actor: SessionUser, commentId: string): Promise<void> {
  const comment = commentId.length <= 64 ? await findComment(db.kysely, commentId) : undefined;
  if (!comment) throw notFound('no such comment');
  const now = Date.now();
  const removed = await transactionWithRetry(db, async (trx) => {
    if (!(await deleteCountedCommentIn(trx, comment.video_id, commentId))) return false;
    const detail = { video_id: comment.video_id, author_id: String(comment.author_id), content: comment.content.slice(0, 200) };
    await insertAudit(trx, { actorId: actor.user_id, action: 'delete_comment', targetType: 'comment', targetId: commentId, detail, now });
    return true;
  });
  if (!removed) throw notFound('no such comment');
}

/** DELETE /admin/danmaku/:id: gone from the pool, and from the live room. */
async function deleteDanmakuAsModerator({ db, events }: AdminDeps, actor: SessionUser, id: string): Promise<void> {
  const now = Date.now();
  const row = await transactionWithRetry(db, async (trx) => {
    const found = await findDanmaku(trx, id);
    if (!found || !(await deleteDanmaku(trx, id))) return undefined;
    const detail = { video_id: found.video_id, author_id: String(found.author_id), text: found.text.slice(0, 200) };
    await insertAudit(trx, { actorId: actor.user_id, action: 'delete_danmaku', targetType: 'danmaku', targetId: id, detail, now });
    return found;
  });
  if (!row) throw notFound('no such danmaku');
  events.danmakuRemoved(row.video_id, id);
}

/** POST /admin/tasks/:id/retry: a failed processing task queued again now, its attempts cleared. */
async function retryTask(db: Db, actor: SessionUser, videoId: string): Promise<void> {
  if (!isVideoId(videoId)) throw notFound('no such task');
  const now = Date.now();
  await transactionWithRetry(db, async (trx) => {
    if (!(await lockLiveVideo(trx, videoId, now))) throw notFound('no such task');
    const task = await trx.selectFrom('video_tasks').select('state').where('video_id', '=', videoId).where('kind', '=', PROCESS_TASK).executeTakeFirst();
    if (!task) throw notFound('no such task');
    if (task.state !== 'failed') throw conflict(`the task is ${task.state}: only a failed task can be retried`);
    await queueProcessing(trx, videoId, now);
    await insertAudit(trx, { actorId: actor.user_id, action: 'retry_task', targetType: 'task', targetId: videoId, now });
  });
}

export type AdminService = ReturnType<typeof createAdminService>;

/** The write first (SQLite's write lock at once; InnoDB's row lock), as every task change does. */
async function lockLiveVideo(trx: Executor, videoId: string, now: number): Promise<boolean> {
  const r = await trx.updateTable('video_info').set({ updated_at: now }).where('id', '=', videoId).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Bans (or re-bans with a new reason) and ends every session and refresh token, with the audit row,
 * in one transaction. A moderator's ban applies only while the target is still a plain user.
 */
async function ban(db: Db, actor: SessionUser, target: AdminUserRow, reason: string | null, now: number): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    let q = trx
      .updateTable('users')
      .set((eb) => ({ banned_at: eb.fn.coalesce('banned_at', eb.val(now)), ban_reason: reason }))
      .where('id', '=', target.id);
    if (actor.role !== 'admin') q = q.where('role', '=', 'user');
    if (Number((await q.executeTakeFirst()).numUpdatedRows) === 0) throw forbidden('a moderator may ban or unban only users');
    await revokeAllCredentials(trx, target.id, now);
    await recountCommentsTouchedBy(trx, target.id);
    const detail = { user_name: target.user_name, reason: reason ?? '' };
    await insertAudit(trx, { actorId: actor.user_id, action: 'ban', targetType: 'user', targetId: String(target.id), detail, now });
  });
}

async function unban(db: Db, actor: SessionUser, target: AdminUserRow, reason: string | null, now: number): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    let q = trx.updateTable('users').set({ banned_at: null, ban_reason: null }).where('id', '=', target.id).where('banned_at', 'is not', null);
    if (actor.role !== 'admin') q = q.where('role', '=', 'user');
    // Not banned (any more): nothing to record.
    if (Number((await q.executeTakeFirst()).numUpdatedRows) === 0) return;
    await recountCommentsTouchedBy(trx, target.id);
    const detail = { user_name: target.user_name, reason: reason ?? '' };
    await insertAudit(trx, { actorId: actor.user_id, action: 'unban', targetType: 'user', targetId: String(target.id), detail, now });
  });
}
