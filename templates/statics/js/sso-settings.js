// @ts-check
// /settings: unlink a sign-in provider (linking is a plain link to /auth/<id>, which comes back here).
import { callOrOffline, describeError } from './http.js';

const section = document.getElementById('settings-providers');

/** @param {HTMLElement} root */
function init(root) {
  const user = root.dataset.user || '';
  const errorEl = /** @type {HTMLElement} */ (root.querySelector('[data-error]'));
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (root.querySelectorAll('[data-unlink]'))) {
    button.addEventListener('click', async () => {
      errorEl.textContent = '';
      button.disabled = true;
      const provider = button.dataset.unlink || '';
      const { status, data } = await callOrOffline('DELETE', `/api/user/${encodeURIComponent(user)}/identities/${encodeURIComponent(provider)}`);
      button.disabled = false;
      if (status === 204 || status === 404) {
        window.location.reload();
        return;
      }
      errorEl.textContent = describeError(status, data, { on409: 'This is your only way to sign in: add a phone number or set a password first.' });
    });
  }
}

if (section) init(section);
