import type { Transaction } from 'kysely';
import { conflict, notFound, transactionWithRetry, type Database, type Db } from '@video/shared';

type Trx = Transaction<Database>;

/**
 * Every change to a playlist's items runs in one transaction that first takes the playlist's row
 * lock (SQLite: the write lock) with an UPDATE that matches only the owner's playlist, so changes
 * to one playlist run one after another and positions stay 0..n-1. Renumbering is set-based
 * (`position ± 1` over a range); there is no unique index on (playlist_id, position), so the order
 * in which MySQL visits the rows of such an UPDATE cannot make it fail half-way. The lock comes
 * before any plain SELECT of the transaction: InnoDB takes a REPEATABLE READ snapshot at the first
 * plain read, so every read after the lock sees what the previous holder committed.
 */
async function lockPlaylist(trx: Trx, playlistId: string, ownerId: number, now: number): Promise<number> {
  const r = await trx.updateTable('playlists').set({ updated_at: now }).where('id', '=', playlistId).where('owner_id', '=', ownerId).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw notFound('no such playlist');
  return compactPositions(trx, playlistId);
}

/**
 * The number of items, after closing any gap: the purge of a deleted video removes its items
 * without renumbering, so the first change after it renumbers the rest in order (rare; at most
 * 5,000 rows, under the lock).
 */
async function compactPositions(trx: Trx, playlistId: string): Promise<number> {
  const stats = await trx
    .selectFrom('playlist_items')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('position').as('lo'), eb.fn.max('position').as('hi')])
    .select((eb) => eb.fn.count<number | string>('position').distinct().as('distinct_n'))
    .where('playlist_id', '=', playlistId)
    .executeTakeFirstOrThrow();
  const n = Number(stats.n);
  if (n === 0 || (Number(stats.lo) === 0 && Number(stats.hi) === n - 1 && Number(stats.distinct_n) === n)) return n;
  const rows = await trx
    .selectFrom('playlist_items')
    .select(['video_id', 'position'])
    .where('playlist_id', '=', playlistId)
    .orderBy('position')
    .orderBy('added_at')
    .orderBy('video_id')
    .execute();
  for (const [index, row] of rows.entries()) {
    if (row.position !== index) {
      await trx.updateTable('playlist_items').set({ position: index }).where('playlist_id', '=', playlistId).where('video_id', '=', row.video_id).execute();
    }
  }
  await setCount(trx, playlistId, n);
  return n;
}

async function positionOf(trx: Trx, playlistId: string, videoId: string): Promise<number | undefined> {
  const row = await trx.selectFrom('playlist_items').select('position').where('playlist_id', '=', playlistId).where('video_id', '=', videoId).executeTakeFirst();
  return row === undefined ? undefined : Number(row.position);
}

async function setCount(trx: Trx, playlistId: string, count: number): Promise<void> {
  await trx.updateTable('playlists').set({ videos_count: count }).where('id', '=', playlistId).execute();
}

export interface ItemChange {
  playlistId: string;
  ownerId: number;
  videoId: string;
  now: number;
}

/** Appends a video at the end; already there: nothing changes. At `max` items: 409. */
export async function appendItem(db: Db, c: ItemChange, max: number): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    const n = await lockPlaylist(trx, c.playlistId, c.ownerId, c.now);
    if ((await positionOf(trx, c.playlistId, c.videoId)) !== undefined) return;
    if (n >= max) throw conflict(`a playlist holds at most ${max} videos: remove one first`);
    await trx.insertInto('playlist_items').values({ playlist_id: c.playlistId, video_id: c.videoId, position: n, added_at: c.now }).execute();
    await setCount(trx, c.playlistId, n + 1);
  });
}

/** Removes a video; the ones after it move up one. Not there: nothing changes. */
export async function removeItem(db: Db, c: ItemChange): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    const n = await lockPlaylist(trx, c.playlistId, c.ownerId, c.now);
    const at = await positionOf(trx, c.playlistId, c.videoId);
    if (at === undefined) return;
    await trx.deleteFrom('playlist_items').where('playlist_id', '=', c.playlistId).where('video_id', '=', c.videoId).execute();
    await trx
      .updateTable('playlist_items')
      .set((eb) => ({ position: eb('position', '-', 1) }))
      .where('playlist_id', '=', c.playlistId)
      .where('position', '>', at)
      .execute();
    await setCount(trx, c.playlistId, n - 1);
  });
}

/** Moves a video to `to` (0-based; past the end: the end), shifting the ones between by one. Not in it: 404. */
export async function moveItem(db: Db, c: ItemChange, to: number): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    const n = await lockPlaylist(trx, c.playlistId, c.ownerId, c.now);
    const from = await positionOf(trx, c.playlistId, c.videoId);
    if (from === undefined) throw notFound('the video is not in this playlist');
    const target = Math.min(to, n - 1);
    if (target === from) return;
    const shift = trx.updateTable('playlist_items').where('playlist_id', '=', c.playlistId);
    if (target < from) {
      await shift.set((eb) => ({ position: eb('position', '+', 1) })).where('position', '>=', target).where('position', '<', from).execute();
    } else {
      await shift.set((eb) => ({ position: eb('position', '-', 1) })).where('position', '>', from).where('position', '<=', target).execute();
    }
    await trx.updateTable('playlist_items').set({ position: target }).where('playlist_id', '=', c.playlistId).where('video_id', '=', c.videoId).execute();
  });
}

/** Deletes a playlist and its items; not the owner's: 404. */
export async function deletePlaylist(db: Db, playlistId: string, ownerId: number, now: number): Promise<void> {
  await transactionWithRetry(db, async (trx) => {
    const r = await trx.updateTable('playlists').set({ updated_at: now }).where('id', '=', playlistId).where('owner_id', '=', ownerId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw notFound('no such playlist');
    await trx.deleteFrom('playlist_items').where('playlist_id', '=', playlistId).execute();
    await trx.deleteFrom('playlists').where('id', '=', playlistId).execute();
  });
}
