// @ts-check
// DPlayer's `apiBackend` for the v3 danmaku protocol. DPlayer's own backend drops the body of a
// failed response, so a viewer never learns why a danmaku was refused; this one passes the
// server's `msg` to DPlayer, which shows it as a notice on the player.
import { callOrOffline, capitalize } from './http.js';

/**
 * @typedef {import('../../types/api').DanmakuPool} DanmakuPool
 * @typedef {import('../../types/api').DanmakuSent} DanmakuSent
 * @typedef {import('../../types/api').ErrorBody} ErrorBody
 */

/** @type {Record<number, string>} */
const FALLBACK = {
  0: 'Network problem: danmaku could not be reached.',
  401: 'Your session has ended. Sign in again to send danmaku.',
  403: 'You are not allowed to do that.',
  404: 'This video no longer exists.',
  503: 'Danmaku are unavailable right now. Please try again in a moment.',
};

/**
 * The message a viewer sees: the server's for refusals they can act on, a plain one otherwise.
 * @param {number} status
 * @param {ErrorBody | null} body
 */
export function danmakuMessage(status, body) {
  const msg = body && typeof body.msg === 'string' ? body.msg : '';
  if ((status === 400 || status === 429) && msg) return capitalize(msg);
  if (FALLBACK[status]) return FALLBACK[status];
  if (status >= 500) return 'Danmaku failed on our side. Please try again.';
  return msg || 'Danmaku failed.';
}

/** @type {Record<string, string>} */
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** @param {unknown} s */
export const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);

let nonceSeq = 0;
const newNonce = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${++nonceSeq}`;

/**
 * @typedef {object} BackendHooks
 * @property {(items: DanmakuItem[]) => DanmakuItem[] | undefined} [onPool] the pool just read; may return the ones to show
 * @property {(item: DanmakuItem, data: DanmakuSent['data']) => void} [onSent] a danmaku the server accepted (`item` is DPlayer's own)
 * @property {(item: DanmakuItem) => void} [onRejected] a danmaku the server refused (DPlayer already drew it)
 * @property {Set<string>} [ownNonces] read by the live layer, to skip the echo of our own posts
 */

/** @param {DanmakuBackendOptions} options */
async function read(options, /** @type {BackendHooks} */ hooks) {
  /** @type {{ status: number, data: DanmakuPool }} */
  const { status, data } = await callOrOffline('GET', options.url);
  if (status !== 200 || !data || data.code !== 0 || !Array.isArray(data.data)) {
    options.error?.(danmakuMessage(status, data));
    return;
  }
  const items = data.data.map(([time, type, color, author, text]) => ({ time, type, color, author, text }));
  options.success?.(hooks.onPool?.(items) ?? items);
}

/**
 * @param {DanmakuBackendOptions} options
 * @param {BackendHooks} hooks
 * @param {Set<string>} ownNonces
 */
async function send(options, hooks, ownNonces) {
  const item = options.data;
  const nonce = newNonce();
  ownNonces.add(nonce);
  if (ownNonces.size > 200) ownNonces.delete(/** @type {string} */ (ownNonces.values().next().value));
  const { id, time, text, color, type } = item;
  // DPlayer draws this item now (escaping it itself) and keeps it for replays, where it is drawn
  // as markup, unescaped: escape the kept copy once that first draw is done.
  queueMicrotask(() => {
    item.text = escapeHtml(text);
  });
  /** @type {{ status: number, data: DanmakuSent }} */
  const { status, data } = await callOrOffline('POST', options.url, { id, time, text, color, type, nonce });
  if (status !== 200 || !data || data.code !== 0) {
    ownNonces.delete(nonce);
    hooks.onRejected?.(item);
    options.error?.(danmakuMessage(status, data));
    return;
  }
  hooks.onSent?.(item, data.data);
  options.success?.(data);
}

/**
 * @param {BackendHooks} [hooks]
 * @returns {DPlayerApiBackend & { ownNonces: Set<string> }}
 */
export function createDanmakuBackend(hooks = {}) {
  const ownNonces = hooks.ownNonces ?? new Set();
  return {
    ownNonces,
    read: (options) => void read(options, hooks),
    send: (options) => void send(options, hooks, ownNonces),
  };
}
