// @ts-check
// Shared by the phone forms (sign-in card, settings): ask the api to text a code to a number.
import { callOrOffline, describeError } from './http.js';

/** The number as typed, with spaces, dots, dashes and brackets taken out (E.164 is "+" and digits). */
export const cleanPhone = (/** @type {string} */ raw) => raw.replace(/[\s().-]/g, '');

/**
 * Texts a code to `phone`; resolves to an error message, or null when the code is on its way.
 * @param {string} phone
 */
export async function sendCode(phone) {
  const { status, data, headers } = await callOrOffline('POST', '/api/phone/code', { phone });
  if (status === 202) return null;
  if (status === 429) {
    const wait = Number(headers?.get('retry-after'));
    return wait > 0 ? `Too many codes asked for. Try again in ${Math.ceil(wait / 60)} min.` : describeError(status, data);
  }
  if (status === 503) return 'The text message could not be sent. Please try again in a moment.';
  return describeError(status, data, { on400: 'Type the number with its country code, e.g. +14155552671.' });
}

/**
 * Wires a two-step phone form (number, then the texted code): the send button texts a code and
 * shows the code step; submitting before that asks for a code, after it sends phone and code to
 * `submit`. A 200 or 204 calls `done`; anything else shows `describeError` with `errors`.
 * @param {HTMLFormElement} form
 * @param {{ sentText: string, resendText?: string, errors: import('./http.js').ErrorContext,
 *   submit: (phone: string, code: string) => Promise<{ status: number, data: unknown }>, done: () => void }} o
 * @returns {HTMLElement} the form's error element
 */
export function wireCodeForm(form, o) {
  const errorEl = /** @type {HTMLElement} */ (form.querySelector('[data-error]'));
  const statusEl = /** @type {HTMLElement} */ (form.querySelector('[data-status]'));
  const send = /** @type {HTMLButtonElement} */ (form.querySelector('[data-send]'));
  const phoneInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('phone'));
  const codeInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('code'));
  const codeStep = /** @type {HTMLElement} */ (form.querySelector('[data-code-step]'));
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
    if (o.resendText) send.textContent = o.resendText;
    statusEl.textContent = o.sentText;
    codeInput.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // Enter in the number field before a code was asked for asks for one.
    if (codeStep.style.display === 'none') {
      send.click();
      return;
    }
    errorEl.textContent = '';
    const { status, data } = await o.submit(cleanPhone(phoneInput.value), codeInput.value.trim());
    if (status === 200 || status === 204) o.done();
    else errorEl.textContent = describeError(status, data, o.errors);
  });
  return errorEl;
}
