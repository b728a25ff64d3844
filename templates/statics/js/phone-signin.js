// @ts-check
// Sign-in by phone on the sign-in card: text a code, then sign in with it. The web's /signin/phone sets
// the session cookie from the api's answer, so the session id never reaches this script.
import { callOrOffline, describeError } from './http.js';
import { cleanPhone, sendCode } from './phone-code.js';
import { safeNext } from './auth-forms.js';

const form = /** @type {HTMLFormElement | null} */ (document.getElementById('phone-signin-form'));

/** @param {HTMLFormElement} f */
function init(f) {
  const errorEl = /** @type {HTMLElement} */ (f.querySelector('[data-error]'));
  const statusEl = /** @type {HTMLElement} */ (f.querySelector('[data-status]'));
  const send = /** @type {HTMLButtonElement} */ (f.querySelector('[data-send]'));
  const phoneInput = /** @type {HTMLInputElement} */ (f.elements.namedItem('phone'));
  const codeInput = /** @type {HTMLInputElement} */ (f.elements.namedItem('code'));
  const codeStep = /** @type {HTMLElement} */ (f.querySelector('[data-code-step]'));

  send.addEventListener('click', async () => {
    errorEl.textContent = '';
    statusEl.textContent = '';
    send.disabled = true;
    const problem = await sendCode(cleanPhone(phoneInput.value));
    send.disabled = false;
    if (problem) {
      errorEl.textContent = problem;
      return;
    }
    codeStep.style.display = '';
    send.textContent = 'Text me a new code';
    statusEl.textContent = 'We texted you a code. It works for 5 minutes.';
    codeInput.focus();
  });

  f.addEventListener('submit', async (event) => {
    event.preventDefault();
    // Enter in the number field before a code was asked for asks for one.
    if (codeStep.style.display === 'none') {
      send.click();
      return;
    }
    errorEl.textContent = '';
    const { status, data } = await callOrOffline('POST', '/signin/phone', { phone: cleanPhone(phoneInput.value), code: codeInput.value.trim() });
    if (status === 200) {
      window.location.assign(safeNext(new FormData(f).get('next')) ?? '/userhome');
      return;
    }
    errorEl.textContent = describeError(status, data, {
      on400: 'The code is the 6 digits of the text message.',
      on401: 'That code is wrong or has expired. Ask for a new one if needed.',
    });
  });
}

if (form) init(form);
