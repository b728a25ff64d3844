// @ts-check
// The sign-in and register forms (home page panel, watch page dialog): switch between them and submit
// without a page reload, so an error (name taken, wrong password, invalid name) appears inline and
// nothing typed is lost. Success goes to the studio, or back to the watch page the form started on.
import { submitAuth } from './api.js';
import { need } from './dom.js';
import { describeError } from './http.js';

/** @typedef {'signin' | 'signup'} FormName */

/** @type {Record<FormName, { tab: HTMLButtonElement, form: HTMLFormElement }>} */
let tabs;

// The same paths as the server's safeNext (page-models.ts): a watch page or a signed-in page.
const NEXT_PATHS = [/^\/v\/[A-Za-z0-9_-]{1,64}$/, /^\/u\/[A-Za-z0-9%._-]{1,200}$/, /^\/feed$/, /^\/messages$/, /^\/messages\?with=[A-Za-z0-9%._-]{1,200}$/, /^\/\?sort=foryou$/, /^\/settings$/, /^\/library(?:\?tab=[a-z]{1,16})?$/, /^\/admin(?:\/[a-z]{1,16})?$/];

/**
 * Only those pages are places to go back to.
 * @param {unknown} next
 */
export const safeNext = (next) => (typeof next === 'string' && NEXT_PATHS.some((re) => re.test(next)) ? next : undefined);

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
  const next = safeNext(fields.get('next'));
  const body = { user_name: String(fields.get('user_name') || '').trim(), pwd: String(fields.get('pwd') || ''), ...(next ? { next } : {}) };
  errorEl.textContent = '';
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    const { status, data } = await submitAuth(name, body);
    if (status === 200 || status === 201) {
      window.location.assign(next ?? '/userhome');
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

/** Wires the forms, when the page has them. */
export function initAuthForms() {
  if (!document.querySelector('#signin-form')) return;
  tabs = {
    signin: { tab: need('#tab-signin', HTMLButtonElement), form: need('#signin-form', HTMLFormElement) },
    signup: { tab: need('#tab-signup', HTMLButtonElement), form: need('#signup-form', HTMLFormElement) },
  };
  for (const name of /** @type {FormName[]} */ (['signin', 'signup'])) {
    const { tab, form } = tabs[name];
    tab.addEventListener('click', () => show(name));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(name, form);
    });
  }
}
