// @ts-check
// The social routes the page scripts call (through the web's /api proxy), one function each.
import { call, seg } from './http.js';

/**
 * @typedef {import('../../types/social').PlaylistPage} PlaylistPage
 * @typedef {import('../../types/social').Playlist} Playlist
 * @typedef {import('../../types/social').ThreadComment} ThreadComment
 * @typedef {import('../../types/social').ThreadPage} ThreadPage
 * @typedef {import('../../types/social').NotificationPage} NotificationPage
 * @typedef {import('../../types/social').MessagePage} MessagePage
 * @typedef {import('../../types/social').Message} Message
 * @typedef {import('../../types/social').ConversationList} ConversationList
 * @typedef {import('../../types/api').VideoPage} VideoPage
 */
/**
 * @template T
 * @typedef {import('./http.js').ApiResult<T>} ApiResult
 */

/**
 * Favorite (on) or not (off). 204 either way.
 * @param {string} me
 * @param {string} videoId
 * @param {boolean} on
 * @returns {Promise<ApiResult<null>>}
 */
export const setFavorite = (me, videoId, on) => call(on ? 'PUT' : 'DELETE', `/api/user/${seg(me)}/favorites/${seg(videoId)}`);

/**
 * @param {string} me
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<VideoPage>>} 200
 */
export const listFavorites = (me, query) => call('GET', `/api/user/${seg(me)}/favorites?${query}`);

/**
 * @param {string} me
 * @param {string} name
 * @param {boolean} on
 * @returns {Promise<ApiResult<null>>} 204
 */
export const setFollowing = (me, name, on) => call(on ? 'PUT' : 'DELETE', `/api/user/${seg(me)}/following/${seg(name)}`);

/**
 * @param {string} name
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<import('../../types/social').UserPage>>} 200
 */
export const listFollowing = (name, query) => call('GET', `/api/user/${seg(name)}/following?${query}`);

/**
 * @param {string} me
 * @returns {Promise<ApiResult<PlaylistPage>>} 200
 */
export const listPlaylists = (me) => call('GET', `/api/user/${seg(me)}/playlists?limit=200`);

/**
 * @param {string} me
 * @param {{ name: string, privacy: string }} body
 * @returns {Promise<ApiResult<Playlist>>} 201
 */
export const createPlaylist = (me, body) => call('POST', `/api/user/${seg(me)}/playlists`, body);

/**
 * @param {string} pid
 * @returns {Promise<ApiResult<Playlist>>} 200, with `videos`
 */
export const getPlaylist = (pid) => call('GET', `/api/playlists/${seg(pid)}`);

/**
 * Adds (on) or removes the video. 204.
 * @param {string} me
 * @param {string} pid
 * @param {string} videoId
 * @param {boolean} on
 * @returns {Promise<ApiResult<null>>}
 */
export const setInPlaylist = (me, pid, videoId, on) => call(on ? 'PUT' : 'DELETE', `/api/user/${seg(me)}/playlists/${seg(pid)}/videos/${seg(videoId)}`);

/**
 * @param {string} videoId
 * @param {string} commentId
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<ThreadPage>>} 200, oldest first
 */
export const listReplies = (videoId, commentId, query) => call('GET', `/api/videos/${seg(videoId)}/comments/${seg(commentId)}/replies?${query}`);

/**
 * @param {string} videoId
 * @param {string} content
 * @param {string} parentId
 * @returns {Promise<ApiResult<ThreadComment>>} 201
 */
export const postReply = (videoId, content, parentId) => call('POST', `/api/videos/${seg(videoId)}/comments`, { content, parent_id: parentId });

/**
 * @param {string} videoId
 * @param {string} commentId
 * @param {string} content
 * @returns {Promise<ApiResult<ThreadComment>>} 200
 */
export const editComment = (videoId, commentId, content) => call('PATCH', `/api/videos/${seg(videoId)}/comments/${seg(commentId)}`, { content });

/**
 * @param {string} videoId
 * @param {string} commentId
 * @param {boolean} on
 * @returns {Promise<ApiResult<null>>} 204
 */
export const setPinned = (videoId, commentId, on) => call(on ? 'PUT' : 'DELETE', `/api/videos/${seg(videoId)}/comments/${seg(commentId)}/pin`);

/**
 * @param {string} me
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<NotificationPage>>} 200
 */
export const listNotifications = (me, query) => call('GET', `/api/user/${seg(me)}/notifications?${query}`);

/**
 * @param {string} me
 * @param {string[]} ids
 * @returns {Promise<ApiResult<null>>} 204
 */
export const markRead = (me, ids) => call('POST', `/api/user/${seg(me)}/notifications/read`, { ids });

/**
 * @param {string} me
 * @returns {Promise<ApiResult<ConversationList>>} 200
 */
export const listConversations = (me) => call('GET', `/api/user/${seg(me)}/conversations`);

/**
 * @param {string} me
 * @param {string} other
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<MessagePage>>} 200, newest first
 */
export const listThread = (me, other, query) => call('GET', `/api/user/${seg(me)}/conversations/${seg(other)}?${query}`);

/**
 * @param {string} me
 * @param {string} to
 * @param {string} content
 * @returns {Promise<ApiResult<Message>>} 201
 */
export const sendMessage = (me, to, content) => call('POST', `/api/user/${seg(me)}/messages`, { to, content });

/**
 * Lets a comment waiting for approval show (the video's owner or a moderator).
 * @param {string} videoId
 * @param {string} commentId
 * @returns {Promise<ApiResult<null>>} 204
 */
export const approveComment = (videoId, commentId) => call('POST', `/api/videos/${seg(videoId)}/comments/${seg(commentId)}/approve`);
