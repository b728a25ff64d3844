import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../helper.js';
import { getAs, withSession, type Privacy, type User } from '../fixtures/public-site.js';

export type PlaylistBody = { name?: unknown; description?: unknown; privacy?: unknown };
export interface PlaylistJson {
  id: string;
  owner: { id: number; user_name: string };
  name: string;
  description: string;
  privacy: Privacy;
  videos_count: number;
  create_time: string;
}
export type PlaylistWithVideos = PlaylistJson & { videos: { id: string }[] };

export const own = (user: User, rest = '') => `/user/${encodeURIComponent(user.name)}/playlists${rest}`;
export const itemUrl = (user: User, pid: string, vid: string) => own(user, `/${pid}/videos/${vid}`);

export function send(t: TestApp, method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, sid: string | null, payload?: object): Promise<LightMyRequestResponse> {
  return t.app.inject({ method, url, headers: withSession(sid ?? undefined), ...(payload === undefined ? {} : { payload }) });
}

export async function createPlaylist(t: TestApp, user: User, body: PlaylistBody = { name: 'a list' }): Promise<PlaylistJson> {
  const res = await send(t, 'POST', own(user), user.sid, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as PlaylistJson;
}

export async function addVideo(t: TestApp, user: User, pid: string, vid: string): Promise<void> {
  const res = await send(t, 'PUT', itemUrl(user, pid, vid), user.sid);
  expect(res.statusCode, res.body).toBe(204);
}

export async function moveVideo(t: TestApp, user: User, pid: string, vid: string, position: number): Promise<void> {
  const res = await send(t, 'PATCH', itemUrl(user, pid, vid), user.sid, { position });
  expect(res.statusCode, res.body).toBe(204);
}

export async function removeVideoFrom(t: TestApp, user: User, pid: string, vid: string): Promise<void> {
  const res = await send(t, 'DELETE', itemUrl(user, pid, vid), user.sid);
  expect(res.statusCode, res.body).toBe(204);
}

/** The playlist as `sid` sees it (expects 200). */
export async function readPlaylist(t: TestApp, pid: string, sid?: string): Promise<PlaylistWithVideos> {
  const res = await getAs(t, `/playlists/${pid}`, sid);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as PlaylistWithVideos;
}

/** The stored items in position order, checking the positions are exactly 0..n-1 and the stored count n. */
export async function storedOrder(t: TestApp, pid: string): Promise<string[]> {
  const rows = await t.db.kysely.selectFrom('playlist_items').select(['video_id', 'position']).where('playlist_id', '=', pid).orderBy('position').execute();
  expect(rows.map((r) => Number(r.position))).toEqual(rows.map((_r, i) => i));
  const p = await t.db.kysely.selectFrom('playlists').select('videos_count').where('id', '=', pid).executeTakeFirstOrThrow();
  expect(Number(p.videos_count)).toBe(rows.length);
  return rows.map((r) => r.video_id);
}
