// @ts-check
// Home page: switch between the sign-in and register forms and submit them without a page reload, so
// an error (name taken, wrong password, invalid name) appears inline and nothing typed is lost.
import { submitAuth } from './api.js';
import { need } from './dom.js';
import { describeError } from './http.js';

/** @typedef {'signin' | 'signup'} FormName */

/** @type {Record<FormName, { tab: HTMLButtonElement, form: HTMLFormElement }>} */
const tabs = {
  signin: { tab: need('#tab-signin', HTMLButtonElement), form: need('#signin-form', HTMLFormElement) },
  signup: { tab: need('#tab-signup', HTMLButtonElement), form: need('#signup-form', HTMLFormElement) },
};

/** @param {FormName} which */
function show(which) {
  for (const [name, { tab, form }] of Object.entries(tabs)) {
    const on = name === which;
    tab.setAttribute('aria-selected', String(on));
    form.hidden = !on;
  }
  tabs[which].form.querySelector('input')?.focus();
}

/** @type {Record<FormName, import('./http.js').ErrorContext>} */
const messages = {
  signin: { on401: 'Wrong user name or password.', on404: 'Wrong user name or password.' },
  signup: {
    on409: 'That user name is taken. Try another one.',
    on400: 'User names are 1–64 letters, digits, “_”, “.” or “-”; passwords are 6–72 characters.',
  },
};

/**
 * @param {FormName} name
 * @param {HTMLFormElement} form
 */
async function submit(name, form) {
  const errorEl = /** @type {HTMLElement} */ (form.querySelector('[data-error]'));
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type=submit]'));
  const fields = new FormData(form);
  const body = { user_name: String(fields.get('user_name') || '').trim(), pwd: String(fields.get('pwd') || '') };
  errorEl.textContent = '';
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    const { status, data } = await submitAuth(name, body);
    if (status === 200 || status === 201) {
      window.location.assign('/userhome');
      return;
    }
    errorEl.textContent = describeError(status, data, messages[name]);
  } catch {
    errorEl.textContent = describeError(0);
  } finally {
    button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

for (const name of /** @type {FormName[]} */ (['signin', 'signup'])) {
  const { tab, form } = tabs[name];
  tab.addEventListener('click', () => show(name));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit(name, form);
  });
}
