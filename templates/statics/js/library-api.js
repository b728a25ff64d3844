// @ts-check
// The api calls of the library and playlist-editing pages (through the web's /api proxy).
import { call, seg } from './http.js';

/**
 * @template T
 * @typedef {import('./http.js').ApiResult<T>} ApiResult
 */

/**
 * @param {string} me
 * @returns {Promise<ApiResult<null>>} 204
 */
export const clearHistory = (me) => call('DELETE', `/api/user/${seg(me)}/history`);

/**
 * @param {string} me
 * @param {string} name
 * @param {boolean} on
 * @returns {Promise<ApiResult<null>>} 204
 */
export const setBlocked = (me, name, on) => call(on ? 'PUT' : 'DELETE', `/api/user/${seg(me)}/blocked/${seg(name)}`);

/**
 * @param {string} me
 * @param {string} pid
 * @param {{ name?: string, description?: string, privacy?: string }} body
 * @returns {Promise<ApiResult<import('../../types/social').Playlist>>} 200
 */
export const updatePlaylist = (me, pid, body) => call('PATCH', `/api/user/${seg(me)}/playlists/${seg(pid)}`, body);

/**
 * @param {string} me
 * @param {string} pid
 * @returns {Promise<ApiResult<null>>} 204
 */
export const deletePlaylist = (me, pid) => call('DELETE', `/api/user/${seg(me)}/playlists/${seg(pid)}`);

/**
 * Moves a video to a 0-based position in the playlist.
 * @param {string} me
 * @param {string} pid
 * @param {string} videoId
 * @param {number} position
 * @returns {Promise<ApiResult<null>>} 204
 */
export const movePlaylistItem = (me, pid, videoId, position) =>
  call('PATCH', `/api/user/${seg(me)}/playlists/${seg(pid)}/videos/${seg(videoId)}`, { position });
