import {
  createSearchIndex,
  insertDelRec,
  revokeAllCredentials,
  softDeleteVideo,
  transactionWithRetry,
  unauthorized,
  type Db,
  type Executor,
  type SearchIndex,
} from '@video/shared';
import { deleteFollow } from '../follows/follows-repository.js';
import { killMailTokens } from './mail-tokens-repository.js';

/**
 * The row stays (so old comments keep an author and the name stays reserved: nobody can take it
 * over and speak under it); the address and phone are freed for a new account; nothing can sign in.
 * The UPDATE comes first so SQLite takes its write lock at once.
 */
async function markDeleted(trx: Executor, userId: number, now: number): Promise<void> {
  const r = await trx
    .updateTable('users')
    .set({ deleted_at: now, email: null, email_verified: 0, phone: null })
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw unauthorized('session is unknown or expired');
}

/** Every live video goes the way of DELETE /user/:me/videos/:id: soft delete, purge record, out of search. */
async function deleteVideos(trx: Executor, search: SearchIndex, userId: number, now: number): Promise<string[]> {
  const rows = await trx.selectFrom('video_info').select('id').where('author_id', '=', userId).where('deleted_at', 'is', null).execute();
  for (const { id } of rows) {
    if (!(await softDeleteVideo(trx, id, userId, now))) continue;
    await insertDelRec(trx, id, now);
    await search.remove(trx, id);
  }
  return rows.map((r) => r.id);
}

/** Relations only this account used: its follows (both ways, counters kept right), lists, history, blocks, inbox, identities. */
async function deleteRelations(trx: Executor, userId: number): Promise<void> {
  const following = await trx.selectFrom('follows').select('followee_id').where('follower_id', '=', userId).execute();
  for (const f of following) await deleteFollow(trx, userId, Number(f.followee_id));
  const followers = await trx.selectFrom('follows').select('follower_id').where('followee_id', '=', userId).execute();
  for (const f of followers) await deleteFollow(trx, Number(f.follower_id), userId);
  const playlists = trx.selectFrom('playlists').select('id').where('owner_id', '=', userId);
  await trx.deleteFrom('playlist_items').where('playlist_id', 'in', playlists).execute();
  await trx.deleteFrom('playlists').where('owner_id', '=', userId).execute();
  await trx.deleteFrom('favorites').where('user_id', '=', userId).execute();
  await trx.deleteFrom('watch_history').where('user_id', '=', userId).execute();
  await trx.deleteFrom('blocks').where((eb) => eb.or([eb('user_id', '=', userId), eb('blocked_id', '=', userId)])).execute();
  await trx.deleteFrom('notifications').where('user_id', '=', userId).execute();
  await trx.deleteFrom('conversations').where('user_id', '=', userId).execute();
  await trx.deleteFrom('identities').where('user_id', '=', userId).execute();
}

/**
 * Deletes the account in one transaction: a crash leaves either all of it or none. Returns the
 * ids of the videos it deleted (the stream servers are told after the commit).
 */
export async function deleteAccount(db: Db, userId: number): Promise<string[]> {
  const search = createSearchIndex(db.dialect);
  const now = Date.now();
  return transactionWithRetry(db, async (trx) => {
    await markDeleted(trx, userId, now);
    await revokeAllCredentials(trx, userId, now);
    await killMailTokens(trx, userId, now);
    const videos = await deleteVideos(trx, search, userId, now);
    await deleteRelations(trx, userId);
    return videos;
  });
}
