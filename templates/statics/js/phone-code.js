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
