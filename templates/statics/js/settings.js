// @ts-check
// /settings: change the email address, send its confirmation link again, change the password, sign
// out everywhere, delete the account. Each form calls the api through the web's /api proxy (the
// session travels in the cookie); errors appear beside the form, nothing typed is lost.
import { call, describeError, seg } from './http.js';
import { need } from './dom.js';

const me = need('#main', HTMLElement).dataset.user || '';
const base = `/api/user/${seg(me)}`;

/**
 * @param {HTMLFormElement} form
 * @param {string} [error]
 * @param {string} [ok]
 */
function report(form, error = '', ok = '') {
  const err = form.querySelector('[data-error]');
  const done = form.querySelector('[data-ok]');
  if (err) err.textContent = error;
  if (done) done.textContent = ok;
}

/**
 * Runs `send` with the form's button disabled, so a double press sends once.
 * @param {HTMLFormElement} form
 * @param {(data: FormData) => Promise<void>} send
 */
function onSubmit(form, send) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button instanceof HTMLButtonElement) button.disabled = true;
    try {
      await send(new FormData(form));
    } finally {
      if (button instanceof HTMLButtonElement) button.disabled = false;
    }
  });
}

/** The cookie goes too, then home: the session is already dead on the api. */
async function leave() {
  await fetch('/signout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
  location.assign('/');
}

const emailForm = need('#email-form', HTMLFormElement);
onSubmit(emailForm, async (data) => {
  const res = await call('PATCH', base, { email: String(data.get('email') || '') }).catch(() => ({ status: 0, data: null }));
  if (res.status !== 200) return report(emailForm, describeError(res.status, res.data, { on409: 'That address cannot be used for this account.' }));
  report(emailForm, '', 'Saved. We sent a confirmation link to the new address.');
  setTimeout(() => location.reload(), 1200);
});

const resend = document.getElementById('resend-verification');
resend?.addEventListener('click', async () => {
  const res = await call('POST', `${base}/email/verify`).catch(() => ({ status: 0, data: null }));
  const msg = res.status === 202 ? 'A new link is on its way.' : describeError(res.status, res.data, { on409: 'Your address is already confirmed.' });
  if (res.status === 202) report(emailForm, '', msg);
  else report(emailForm, msg);
});

const pwdForm = need('#password-form', HTMLFormElement);
onSubmit(pwdForm, async (data) => {
  const pwd = String(data.get('pwd') || '');
  if (pwd !== String(data.get('pwd2') || '')) return report(pwdForm, 'The two new passwords differ.');
  const res = await call('PUT', `${base}/password`, { old_pwd: String(data.get('old_pwd') || ''), pwd }).catch(() => ({ status: 0, data: null }));
  if (res.status !== 204) return report(pwdForm, describeError(res.status, res.data, { on401: 'The current password is wrong.' }));
  pwdForm.reset();
  report(pwdForm, '', 'Password changed. Your other devices are signed out.');
});

const sessionsError = need('#sessions-error', HTMLElement);
need('#signout-everywhere', HTMLButtonElement).addEventListener('click', async () => {
  const res = await call('DELETE', `${base}/sessions`).catch(() => ({ status: 0, data: null }));
  if (res.status !== 204) {
    sessionsError.textContent = describeError(res.status, res.data);
    return;
  }
  await leave();
});

const deleteForm = need('#delete-form', HTMLFormElement);
onSubmit(deleteForm, async (data) => {
  const res = await call('DELETE', base, { pwd: String(data.get('pwd') || '') }).catch(() => ({ status: 0, data: null }));
  if (res.status !== 204) return report(deleteForm, describeError(res.status, res.data, { on401: 'The password is wrong.' }));
  await leave();
});
