import { sql } from 'kysely';
import { authorNotBanned, keysetPage, type Executor, type PageQuery, type Privacy } from '@video/shared';
import { withProcessing, type VideoWithAuthor } from '../videos/videos-repository.js';
import { listableVideoSql } from '../favorites/favorites-repository.js';

export interface PlaylistRow {
  id: string;
  owner_id: number;
  owner_name: string;
  name: string;
  description: string;
  privacy: Privacy;
  create_time: number;
  /** The videos in it that the viewer may see (not the stored count of every item). */
  visible_count: number | string;
}

/**
 * Playlists with their owner's name and, per row, how many of their videos `viewerId` may see: a
 * count over the playlist's items (at most 5,000) joined to video_info by primary key.
 */
function playlistsSeenBy(db: Executor, viewerId: number | null) {
  return db
    .selectFrom('playlists as p')
    .innerJoin('users as o', 'o.id', 'p.owner_id')
    .select(['p.id', 'p.owner_id', 'o.user_name as owner_name', 'p.name', 'p.description', 'p.privacy', 'p.create_time'])
    .where(authorNotBanned('p.owner_id'))
    .select(sql<number | string>`(select count(*) from playlist_items i inner join video_info v on v.id = i.video_id
      where i.playlist_id = p.id and (${listableVideoSql(viewerId, false)} or (p.owner_id = ${viewerId ?? -1} and ${listableVideoSql(viewerId, true)})))`.as(
      'visible_count',
    ));
}

/** One playlist as `viewerId` sees it (the caller decides whether a private one may be seen). */
export async function findPlaylist(db: Executor, id: string, viewerId: number | null): Promise<PlaylistRow | undefined> {
  return playlistsSeenBy(db, viewerId).where('p.id', '=', id).executeTakeFirst();
}

/** A user's playlists, newest first: all of them for the owner, else only the public ones. */
export async function listUserPlaylists(db: Executor, ownerId: number, viewerId: number | null, page: PageQuery): Promise<PlaylistRow[]> {
  let q = playlistsSeenBy(db, viewerId).where('p.owner_id', '=', ownerId);
  if (ownerId !== viewerId) q = q.where('p.privacy', '=', 'public');
  return keysetPage(q, 'p.create_time', 'p.id', page).execute();
}

/** The videos of a playlist the viewer may see, in position order; `ownList` when the viewer owns it. */
export async function listPlaylistVideos(db: Executor, playlistId: string, viewerId: number | null, ownList: boolean): Promise<VideoWithAuthor[]> {
  const q = db
    .selectFrom('playlist_items as i')
    .innerJoin('video_info as v', 'v.id', 'i.video_id')
    .selectAll('v')
    .select((eb) => eb.selectFrom('users as u').select('u.user_name').whereRef('u.id', '=', 'v.author_id').$asScalar().$notNull().as('author'))
    .where('i.playlist_id', '=', playlistId)
    .where(listableVideoSql(viewerId, ownList))
    .orderBy('i.position')
    .orderBy('i.added_at')
    .orderBy('i.video_id');
  return withProcessing(q).execute();
}
