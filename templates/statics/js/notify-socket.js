// @ts-check
// The signed-in user's live channel: one WebSocket to /api/notifications/ws (the session travels in
// the cookie), reconnecting with backoff. Each pushed notification is re-dispatched on `document` as
// a `notification` event (detail: the notification), so the bell and the messages page share it.

/** @typedef {import('../../types/social').Notification} Notification */

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
/** Give up after this many failed attempts in a row (the page still works without live updates). */
const MAX_ATTEMPTS = 20;

/** @param {unknown} value */
const isObject = (value) => typeof value === 'object' && value !== null;

/**
 * The notification a push carries: the object itself, or one wrapped as `{notification}`.
 * @param {unknown} data
 * @returns {Notification | null}
 */
export function pushedNotification(data) {
  if (!isObject(data)) return null;
  const inner = /** @type {{ notification?: unknown }} */ (data).notification;
  const n = /** @type {Record<string, unknown>} */ (isObject(inner) ? inner : data);
  return typeof n.type === 'string' && n.type !== 'ping' && n.type !== 'pong' ? /** @type {Notification} */ (/** @type {unknown} */ (n)) : null;
}

let started = false;

export function notificationsUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/api/notifications/ws`;
}

/** Opens the channel once per page; later calls do nothing. */
export function startNotificationSocket() {
  if (started) return;
  started = true;
  let attempt = 0;
  const connect = () => {
    const ws = new WebSocket(notificationsUrl());
    ws.addEventListener('open', () => {
      attempt = 0;
      document.dispatchEvent(new CustomEvent('notification:live'));
    });
    ws.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let parsed;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      const n = pushedNotification(parsed);
      if (n) document.dispatchEvent(new CustomEvent('notification', { detail: n }));
    });
    ws.addEventListener('close', () => {
      if (attempt >= MAX_ATTEMPTS) return;
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      attempt++;
      setTimeout(connect, delay);
    });
  };
  connect();
}
