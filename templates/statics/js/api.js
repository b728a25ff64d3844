// @ts-check
// The api routes the page scripts call (through the web's /api proxy), one function each, with the
// type of the answer: a renamed field in types/api.d.ts is a type error wherever it is read.
import { call, seg } from './http.js';

/**
 * @typedef {import('../../types/api').Video} Video
 * @typedef {import('../../types/api').VideoPage} VideoPage
 * @typedef {import('../../types/api').Comment} Comment
 * @typedef {import('../../types/api').CommentPage} CommentPage
 * @typedef {import('../../types/api').SignedIn} SignedIn
 */
/**
 * @template T
 * @typedef {import('./http.js').ApiResult<T>} ApiResult
 */

/**
 * @param {string} user
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<VideoPage>>} 200
 */
export const listVideos = (user, query) => call('GET', `/api/user/${seg(user)}/videos?${query}`);

/**
 * @param {string} user
 * @param {string} id
 * @returns {Promise<ApiResult<Video>>} 200
 */
export const getVideo = (user, id) => call('GET', `/api/user/${seg(user)}/videos/${seg(id)}`);

/**
 * @param {string} user
 * @param {string} name
 * @returns {Promise<ApiResult<Video>>} 201
 */
export const createVideo = (user, name) => call('POST', `/api/user/${seg(user)}/videos`, { name });

/**
 * @param {string} user
 * @param {string} id
 * @returns {Promise<ApiResult<null>>} 204
 */
export const deleteVideo = (user, id) => call('DELETE', `/api/user/${seg(user)}/videos/${seg(id)}`);

/**
 * @param {string} videoId
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<CommentPage>>} 200
 */
export const listComments = (videoId, query) => call('GET', `/api/videos/${seg(videoId)}/comments?${query}`);

/**
 * @param {string} videoId
 * @param {string} content
 * @returns {Promise<ApiResult<Comment>>} 201
 */
export const postComment = (videoId, content) => call('POST', `/api/videos/${seg(videoId)}/comments`, { content });

/**
 * @param {string} videoId
 * @param {string} commentId
 * @returns {Promise<ApiResult<null>>} 204
 */
export const deleteComment = (videoId, commentId) => call('DELETE', `/api/videos/${seg(videoId)}/comment/${seg(commentId)}`);

/**
 * The web’s own sign-in and registration (`next`: the watch page to go back to).
 * @param {'signin' | 'signup'} form
 * @param {{ user_name: string, pwd: string, next?: string }} body
 * @returns {Promise<ApiResult<SignedIn>>} 200 / 201
 */
export const submitAuth = (form, body) => call('POST', `/${form}`, body);

/**
 * A page of a public list: the feed (`/api/videos?sort=`) or the search (`/api/search?q=`).
 * @param {string} source the list's path and query, without cursor and limit
 * @param {URLSearchParams} query
 * @returns {Promise<ApiResult<VideoPage>>} 200
 */
export const listPublic = (source, query) => call('GET', `${source}${source.includes('?') ? '&' : '?'}${query}`);

/**
 * @param {string} user
 * @param {string} id
 * @param {import('../../types/api').VideoEdit} edit
 * @returns {Promise<ApiResult<Video>>} 200
 */
export const updateVideo = (user, id, edit) => call('PATCH', `/api/user/${seg(user)}/videos/${seg(id)}`, edit);

/**
 * @param {string} videoId
 * @returns {Promise<ApiResult<import('../../types/api').Rating>>} 200
 */
export const getRating = (videoId) => call('GET', `/api/videos/${seg(videoId)}/rating`);

/**
 * @param {string} videoId
 * @param {import('../../types/api').RatingValue} rating
 * @returns {Promise<ApiResult<import('../../types/api').Rating>>} 200
 */
export const putRating = (videoId, rating) => call('PUT', `/api/videos/${seg(videoId)}/rating`, { rating });

/**
 * A video as anybody may read it (the watch page polls its processing state).
 * @param {string} videoId
 * @returns {Promise<ApiResult<Video>>} 200
 */
export const getPublicVideo = (videoId) => call('GET', `/api/videos/${seg(videoId)}`);

/**
 * @param {string} videoId
 * @returns {Promise<ApiResult<import('../../types/api').CaptionList>>} 200
 */
export const listCaptions = (videoId) => call('GET', `/api/videos/${seg(videoId)}/captions`);

/**
 * Stores a caption track (WebVTT or SubRip, the Blob's type says which).
 * @param {string} user
 * @param {string} videoId
 * @param {string} lang a BCP 47 tag
 * @param {Blob} file
 * @returns {Promise<ApiResult<unknown>>} 201 (new) or 200 (replaced)
 */
export const putCaption = (user, videoId, lang, file) => call('PUT', `/api/user/${seg(user)}/videos/${seg(videoId)}/captions/${seg(lang)}`, file);

/**
 * @param {string} user
 * @param {string} videoId
 * @param {string} lang
 * @returns {Promise<ApiResult<null>>} 204
 */
export const deleteCaption = (user, videoId, lang) => call('DELETE', `/api/user/${seg(user)}/videos/${seg(videoId)}/captions/${seg(lang)}`);

/**
 * Queues the video's processing again.
 * @param {string} user
 * @param {string} videoId
 * @returns {Promise<ApiResult<unknown>>} 202
 */
export const reprocessVideo = (user, videoId) => call('POST', `/api/user/${seg(user)}/videos/${seg(videoId)}/reprocess`);
