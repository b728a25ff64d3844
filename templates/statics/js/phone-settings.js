// @ts-check
// /settings: add, change or remove the account's phone number, proven with a texted code.
import { callOrOffline, describeError } from './http.js';
import { cleanPhone, sendCode } from './phone-code.js';

const section = document.getElementById('settings-phone');

/** @param {HTMLElement} root */
function init(root) {
  const me = `/api/user/${encodeURIComponent(root.dataset.user || '')}/phone`;
  const form = /** @type {HTMLFormElement} */ (root.querySelector('#phone-settings-form'));
  const errorEl = /** @type {HTMLElement} */ (form.querySelector('[data-error]'));
  const statusEl = /** @type {HTMLElement} */ (form.querySelector('[data-status]'));
  const send = /** @type {HTMLButtonElement} */ (form.querySelector('[data-send]'));
  const phoneInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('phone'));
  const codeInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('code'));
  const codeStep = /** @type {HTMLElement} */ (form.querySelector('[data-code-step]'));

  send.addEventListener('click', async () => {
    errorEl.textContent = '';
    send.disabled = true;
    const problem = await sendCode(cleanPhone(phoneInput.value));
    send.disabled = false;
    if (problem) {
      errorEl.textContent = problem;
      return;
    }
    codeStep.style.display = '';
    statusEl.textContent = 'We texted a code to that number. It works for 5 minutes.';
    codeInput.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (codeStep.style.display === 'none') {
      send.click();
      return;
    }
    errorEl.textContent = '';
    const { status, data } = await callOrOffline('POST', me, { phone: cleanPhone(phoneInput.value), code: codeInput.value.trim() });
    if (status === 200) {
      window.location.reload();
      return;
    }
    errorEl.textContent = describeError(status, data, {
      on400: 'The code is the 6 digits of the text message.',
      on401: 'That code is wrong or has expired.',
      on409: 'This number cannot be added to this account.',
    });
  });

  document.getElementById('phone-remove')?.addEventListener('click', async () => {
    const { status, data } = await callOrOffline('DELETE', me);
    if (status === 204) window.location.reload();
    else errorEl.textContent = describeError(status, data, { on409: 'This is your only way to sign in: set a password or link a provider first.' });
  });
}

if (section) init(section);
