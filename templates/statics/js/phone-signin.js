// @ts-check
// Sign-in by phone on the sign-in card: text a code, then sign in with it. The web's /signin/phone sets
// the session cookie from the api's answer, so the session id never reaches this script.
import { callOrOffline } from './http.js';
import { wireCodeForm } from './phone-code.js';
import { safeNext } from './auth-forms.js';

const form = /** @type {HTMLFormElement | null} */ (document.getElementById('phone-signin-form'));

if (form) {
  wireCodeForm(form, {
    sentText: 'We texted you a code. It works for 5 minutes.',
    resendText: 'Text me a new code',
    submit: (phone, code) => callOrOffline('POST', '/signin/phone', { phone, code }),
    done: () => window.location.assign(safeNext(new FormData(form).get('next')) ?? '/userhome'),
    errors: {
      on400: 'The code is the 6 digits of the text message.',
      on401: 'That code is wrong or has expired. Ask for a new one if needed.',
    },
  });
}
