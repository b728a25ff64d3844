import { Type, type Static } from '@sinclair/typebox';
import { NextCursorSchema } from '../http/common-schemas.js';
import { VideoInfoSchema } from '../videos/videos-schemas.js';

/** A playlist holds at most this many videos (the contract's cap). */
export const MAX_PLAYLIST_VIDEOS = 5000;

const PLAYLIST_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Playlist ids are lowercase UUIDs (this site makes v7 ones); anything else names no playlist. */
export function isPlaylistId(id: unknown): id is string {
  return typeof id === 'string' && PLAYLIST_ID_RE.test(id);
}

const PrivacySchema = Type.Unsafe<'public' | 'unlisted' | 'private'>({ type: 'string', enum: ['public', 'unlisted', 'private'] });
const name = Type.String({ maxLength: 1024, description: '1–200 characters after trimming' });
const description = Type.String({ maxLength: 20_000, description: '0–5,000 characters, stored trimmed' });

export const NewPlaylistSchema = Type.Object({
  name,
  description: Type.Optional(description),
  privacy: Type.Optional(PrivacySchema),
});
export type NewPlaylistBody = Static<typeof NewPlaylistSchema>;

export const PlaylistPatchSchema = Type.Object(
  { name: Type.Optional(name), description: Type.Optional(description), privacy: Type.Optional(PrivacySchema) },
  { minProperties: 1 },
);
export type PlaylistPatchBody = Static<typeof PlaylistPatchSchema>;

export const PlaylistSchema = Type.Object({
  id: Type.String(),
  owner: Type.Object({ id: Type.Integer(), user_name: Type.String() }),
  name: Type.String(),
  description: Type.String(),
  privacy: PrivacySchema,
  videos_count: Type.Integer({ description: 'the videos in it that the one asking may see' }),
  create_time: Type.String({ format: 'date-time' }),
});
export type PlaylistJson = Static<typeof PlaylistSchema>;

export const PlaylistWithVideosSchema = Type.Composite([PlaylistSchema, Type.Object({ videos: Type.Array(VideoInfoSchema) })]);

export const PlaylistListSchema = Type.Object({ playlists: Type.Array(PlaylistSchema), next_cursor: NextCursorSchema });

export const PlaylistIdParamsSchema = Type.Object({ pid: Type.String() });
export const OwnPlaylistParamsSchema = Type.Object({ username: Type.String(), pid: Type.String() });
export const PlaylistItemParamsSchema = Type.Object({ username: Type.String(), pid: Type.String(), vid: Type.String() });
export const MoveItemSchema = Type.Object({
  position: Type.Integer({ minimum: 0, maximum: 1_000_000, description: '0-based; past the end moves it to the end' }),
});
