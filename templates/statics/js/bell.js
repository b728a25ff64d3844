// @ts-check
// The header's bell: the unread count (read on load, raised live by the notification socket) and a
// dropdown of recent notifications, marked read when it opens. A button with aria-expanded; Escape
// or a click outside closes it and focus goes back to the button.
import { h, timeEl } from './dom.js';
import { listNotifications, markRead } from './social-api.js';
import { startNotificationSocket } from './notify-socket.js';
import { notificationText } from './notification-text.js';

/** @typedef {import('../../types/social').Notification} Notification */

const RECENT = 10;

/** @param {Notification} n */
function item(n) {
  const { text, href } = notificationText(n);
  return h('li', { class: `bell-item${n.read ? '' : ' unread'}`, 'data-id': n.id }, h('a', { href, text }), ' ', timeEl(n.created_at));
}

/**
 * @param {HTMLElement} root
 * @param {string} me
 */
function bellParts(root, me) {
  const button = /** @type {HTMLButtonElement} */ (root.querySelector('#bell-btn'));
  const panel = /** @type {HTMLElement} */ (root.querySelector('#bell-panel'));
  const list = /** @type {HTMLElement} */ (root.querySelector('#bell-list'));
  const empty = /** @type {HTMLElement} */ (root.querySelector('#bell-empty'));
  const badge = /** @type {HTMLElement} */ (root.querySelector('#bell-count'));
  let unread = 0;
  /** @param {number} n */
  const setCount = (n) => {
    unread = Math.max(0, n);
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.hidden = unread === 0;
    button.setAttribute('aria-label', unread ? `Notifications, ${unread} unread` : 'Notifications');
  };
  /** @param {Notification[]} items */
  const show = (items) => {
    list.replaceChildren(...items.map(item));
    empty.hidden = items.length > 0;
  };
  return { me, button, panel, list, empty, setCount, show, unread: () => unread };
}

/** @param {ReturnType<typeof bellParts>} bell */
async function openPanel(bell) {
  bell.panel.hidden = false;
  bell.button.setAttribute('aria-expanded', 'true');
  const res = await listNotifications(bell.me, new URLSearchParams({ limit: String(RECENT) })).catch(() => null);
  if (!res || res.status !== 200 || !res.data) return;
  bell.show(res.data.notifications);
  const ids = res.data.notifications.filter((n) => !n.read).map((n) => n.id);
  if (!ids.length) return;
  const done = await markRead(bell.me, ids).catch(() => null);
  if (done && done.status === 204) bell.setCount(bell.unread() - ids.length);
}

/** @param {ReturnType<typeof bellParts>} bell */
function closePanel(bell, focus = true) {
  if (bell.panel.hidden) return;
  bell.panel.hidden = true;
  bell.button.setAttribute('aria-expanded', 'false');
  if (focus) bell.button.focus();
}

/** @param {ReturnType<typeof bellParts>} bell */
function wire(bell) {
  bell.button.addEventListener('click', () => (bell.panel.hidden ? void openPanel(bell) : closePanel(bell)));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !bell.panel.hidden) closePanel(bell);
  });
  document.addEventListener('click', (event) => {
    const target = /** @type {Node} */ (event.target);
    if (!bell.panel.hidden && !bell.panel.contains(target) && !bell.button.contains(target)) closePanel(bell, false);
  });
  document.addEventListener('notification', (event) => {
    const n = /** @type {CustomEvent<Notification & { unread_count?: number }>} */ (event).detail;
    // The push carries the api's own count (a burst folded into one item is pushed again).
    bell.setCount(typeof n.unread_count === 'number' ? n.unread_count : bell.unread() + 1);
    if (!bell.panel.hidden) {
      bell.list.prepend(item(n));
      bell.empty.hidden = true;
    }
  });
}

/**
 * Reads the unread count again (after a page marked some read, such as an opened thread).
 * @param {ReturnType<typeof bellParts>} bell
 */
function recount(bell) {
  void listNotifications(bell.me, new URLSearchParams({ unread: '1', limit: '1' }))
    .then((res) => {
      if (res.status === 200 && typeof res.data?.unread_count === 'number') bell.setCount(res.data.unread_count);
    })
    .catch(() => undefined);
}

/** Starts the bell on a page whose header has one (signed-in pages). */
export function initBell() {
  const root = document.getElementById('bell');
  const me = root?.dataset.user;
  if (!root || !me) return;
  const bell = bellParts(root, me);
  wire(bell);
  document.addEventListener('notifications-read', () => recount(bell));
  // The live channel opens only once the api has answered the list: an api without notifications
  // gets no socket to refuse.
  void listNotifications(me, new URLSearchParams({ unread: '1', limit: String(RECENT) }))
    .then((res) => {
      if (res.status !== 200 || !res.data) return;
      if (typeof res.data.unread_count === 'number') bell.setCount(res.data.unread_count);
      startNotificationSocket();
    })
    .catch(() => undefined);
}
