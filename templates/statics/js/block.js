// @ts-check
// The channel page's "Block" toggle: aria-pressed shows the state, read once from the user's own
// blocked list; a press blocks or unblocks through the api.
import { call, describeError, seg } from './http.js';
import { setBlocked } from './library-api.js';

/**
 * @param {string} me the signed-in user ('' for a visitor: then there is no button)
 * @param {(message: string) => void} onError
 */
export function initBlock(me, onError) {
  const button = document.querySelector('button#block-btn');
  if (!(button instanceof HTMLButtonElement) || !me) return;
  const name = button.dataset.name ?? '';
  /** @param {boolean} on */
  const show = (on) => {
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? 'Blocked' : 'Block';
    button.title = on ? `Unblock ${name}` : `Block ${name}: no messages, comments or danmaku from them`;
  };
  show(false);
  button.addEventListener('click', async () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    if (on && !window.confirm(`Block ${name}? They will not be able to message you or comment on your videos.`)) return;
    button.disabled = true;
    const res = await setBlocked(me, name, on).catch(() => ({ status: 0, data: null }));
    button.disabled = false;
    if (res.status !== 204) return onError(describeError(res.status, res.data));
    show(on);
  });
  void call('GET', `/api/user/${seg(me)}/blocked?limit=100`)
    .then((res) => {
      if (res.status === 200 && res.data && Array.isArray(res.data.users)) show(res.data.users.some((/** @type {{ user_name: string }} */ u) => u.user_name === name));
    })
    .catch(() => undefined);
}
