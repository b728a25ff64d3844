// @ts-check
// /settings: add, change or remove the account's phone number, proven with a texted code.
import { callOrOffline, describeError } from './http.js';
import { wireCodeForm } from './phone-code.js';

const section = document.getElementById('settings-phone');

/** @param {HTMLElement} root */
function init(root) {
  const me = `/api/user/${encodeURIComponent(root.dataset.user || '')}/phone`;
  const form = /** @type {HTMLFormElement} */ (root.querySelector('#phone-settings-form'));
  const errorEl = wireCodeForm(form, {
    sentText: 'We texted a code to that number. It works for 5 minutes.',
    submit: (phone, code) => callOrOffline('POST', me, { phone, code }),
    done: () => window.location.reload(),
    errors: {
      on400: 'The code is the 6 digits of the text message.',
      on401: 'That code is wrong or has expired.',
      on409: 'This number cannot be added to this account.',
    },
  });
  document.getElementById('phone-remove')?.addEventListener('click', async () => {
    const { status, data } = await callOrOffline('DELETE', me);
    if (status === 204) window.location.reload();
    else errorEl.textContent = describeError(status, data, { on409: 'This is your only way to sign in: set a password or link a provider first.' });
  });
}

if (section) init(section);
