// DPlayer's `apiBackend` for the v3 danmaku protocol. DPlayer's own backend drops the body of a
// failed response, so a viewer never learns why a danmaku was refused; this one passes the
// server's `msg` to DPlayer, which shows it as a notice on the player.

const FALLBACK = {
  0: 'Network problem: danmaku could not be reached.',
  401: 'Your session has ended. Sign in again to send danmaku.',
  403: 'You are not allowed to do that.',
  404: 'This video no longer exists.',
  503: 'Danmaku are unavailable right now. Please try again in a moment.',
};

/** The message a viewer sees: the server's for refusals they can act on, a plain one otherwise. */
export function danmakuMessage(status, body) {
  const msg = body && typeof body.msg === 'string' ? body.msg : '';
  if ((status === 400 || status === 429) && msg) return msg.charAt(0).toUpperCase() + msg.slice(1);
  if (FALLBACK[status]) return FALLBACK[status];
  if (status >= 500) return 'Danmaku failed on our side. Please try again.';
  return msg || 'Danmaku failed.';
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);

async function requestJson(method, url, body) {
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    return { status: 0, body: null };
  }
  const body_ = await res.json().catch(() => null);
  return { status: res.status, body: body_ };
}

let nonceSeq = 0;
const newNonce = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${++nonceSeq}`;

/**
 * hooks.onPool(items)          the pool just read (DPlayer's item objects); may return the ones to show
 * hooks.onSent(item, response) a danmaku the server accepted; `item` is DPlayer's own object
 * hooks.onRejected(item)       a danmaku the server refused (DPlayer already drew it)
 * hooks.ownNonces              a Set the live layer reads, to skip the echo of our own posts
 */
export function createDanmakuBackend(hooks = {}) {
  const ownNonces = hooks.ownNonces ?? new Set();
  return {
    ownNonces,
    read(options) {
      requestJson('GET', options.url).then(({ status, body }) => {
        if (status !== 200 || !body || body.code !== 0 || !Array.isArray(body.data)) {
          options.error?.(danmakuMessage(status, body));
          return;
        }
        const items = body.data.map(([time, type, color, author, text]) => ({ time, type, color, author, text }));
        options.success?.(hooks.onPool?.(items) ?? items);
      });
    },
    send(options) {
      const item = options.data;
      const nonce = newNonce();
      ownNonces.add(nonce);
      if (ownNonces.size > 200) ownNonces.delete(ownNonces.values().next().value);
      const { id, time, text, color, type } = item;
      // DPlayer draws this item now (escaping it itself) and keeps it for replays, where it is drawn
      // with innerHTML as is: escape the kept copy once that first draw is done.
      queueMicrotask(() => {
        item.text = escapeHtml(text);
      });
      requestJson('POST', options.url, { id, time, text, color, type, nonce }).then(({ status, body }) => {
        if (status !== 200 || !body || body.code !== 0) {
          ownNonces.delete(nonce);
          hooks.onRejected?.(item);
          options.error?.(danmakuMessage(status, body));
          return;
        }
        hooks.onSent?.(item, body.data);
        options.success?.(body);
      });
    },
  };
}
