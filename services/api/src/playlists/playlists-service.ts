import { v7 as uuidv7 } from 'uuid';
import { badRequest, findUserByName, notFound, toIso, type Db, type PageQuery, type SessionUser } from '@video/shared';
import { isValidUserName, normalizeName, trimmedText } from '../http/input.js';
import { fetchPage, type Page } from '../http/pagination.js';
import type { VideoWithAuthor } from '../videos/videos-repository.js';
import { findPlaylist, listPlaylistVideos, listUserPlaylists, type PlaylistRow } from './playlists-repository.js';
import { isPlaylistId, type NewPlaylistBody, type PlaylistJson, type PlaylistPatchBody } from './playlists-schemas.js';

const noSuchPlaylist = () => notFound('no such playlist');

export function playlistJson(p: PlaylistRow): PlaylistJson {
  return {
    id: p.id,
    owner: { id: Number(p.owner_id), user_name: p.owner_name },
    name: p.name,
    description: p.description,
    privacy: p.privacy,
    videos_count: Number(p.visible_count),
    create_time: toIso(Number(p.create_time)),
  };
}

function description(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if ([...text].length > 5000) throw badRequest('body.description must be at most 5000 characters');
  return text;
}

export function createPlaylistsService(db: Db) {
  /** A playlist the viewer may open: a private one only by its owner, else the same 404 as an unknown id. */
  async function readable(id: string, viewerId: number | null): Promise<PlaylistRow> {
    const p = isPlaylistId(id) ? await findPlaylist(db.kysely, id, viewerId) : undefined;
    if (!p || (p.privacy === 'private' && Number(p.owner_id) !== viewerId)) throw noSuchPlaylist();
    return p;
  }

  return {
    readable,

    async create(user: SessionUser, body: NewPlaylistBody): Promise<PlaylistRow> {
      const now = Date.now();
      const row = {
        id: uuidv7(),
        owner_id: user.user_id,
        name: trimmedText('name', body.name, 200),
        description: description(body.description) ?? '',
        privacy: body.privacy ?? 'public',
        create_time: now,
        updated_at: now,
      };
      await db.kysely.insertInto('playlists').values(row).execute();
      return { ...row, owner_name: user.user_name, visible_count: 0 };
    },

    async update(user: SessionUser, id: string, body: PlaylistPatchBody): Promise<PlaylistRow> {
      if (!isPlaylistId(id)) throw noSuchPlaylist();
      const changes = {
        ...(body.name !== undefined ? { name: trimmedText('name', body.name, 200) } : {}),
        ...(body.description !== undefined ? { description: description(body.description) } : {}),
        ...(body.privacy !== undefined ? { privacy: body.privacy } : {}),
        updated_at: Date.now(),
      };
      const r = await db.kysely.updateTable('playlists').set(changes).where('id', '=', id).where('owner_id', '=', user.user_id).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw noSuchPlaylist();
      return readable(id, user.user_id);
    },

    /** The playlist and the videos in it the viewer may see, in order; videos_count counts those. */
    async withVideos(id: string, viewerId: number | null): Promise<{ playlist: PlaylistRow; videos: VideoWithAuthor[] }> {
      const playlist = await readable(id, viewerId);
      const videos = await listPlaylistVideos(db.kysely, id, viewerId, Number(playlist.owner_id) === viewerId);
      return { playlist: { ...playlist, visible_count: videos.length }, videos };
    },

    /** A user's playlists: the owner sees all, anyone else the public ones; an unknown user is 404. */
    async listOf(rawName: string, viewerId: number | null, page: PageQuery): Promise<Page<PlaylistRow>> {
      const name = normalizeName(rawName);
      const owner = isValidUserName(name) ? await findUserByName(db.kysely, name) : undefined;
      if (!owner) throw notFound('no such user');
      const ownerId = Number(owner.id);
      return fetchPage(page, (p) => listUserPlaylists(db.kysely, ownerId, viewerId, p), (p) => ({ time: Number(p.create_time), id: p.id }), 'playlists');
    },
  };
}

export type PlaylistsService = ReturnType<typeof createPlaylistsService>;
