// Home page: switch between the sign-in and register forms and submit them without a page reload, so
// an error (name taken, wrong password, invalid name) appears inline and nothing typed is lost.
import { $ } from './dom.js';
import { call, describeError } from './http.js';

const tabs = {
  signin: { tab: $('#tab-signin'), form: $('#signin-form') },
  signup: { tab: $('#tab-signup'), form: $('#signup-form') },
};

function show(which) {
  for (const [name, { tab, form }] of Object.entries(tabs)) {
    const on = name === which;
    tab.setAttribute('aria-selected', String(on));
    form.hidden = !on;
  }
  tabs[which].form.querySelector('input')?.focus();
}

const messages = {
  signin: { on401: 'Wrong user name or password.', on404: 'Wrong user name or password.' },
  signup: {
    on409: 'That user name is taken. Try another one.',
    on400: 'User names are 1–64 letters, digits, “_”, “.” or “-”; passwords are 6–72 characters.',
  },
};

for (const [name, { tab, form }] of Object.entries(tabs)) {
  tab.addEventListener('click', () => show(name));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const errorEl = form.querySelector('[data-error]');
    const button = form.querySelector('button[type=submit]');
    const fields = new FormData(form);
    const body = { user_name: String(fields.get('user_name') || '').trim(), pwd: String(fields.get('pwd') || '') };
    errorEl.textContent = '';
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const { status, data } = await call('POST', `/${name}`, body);
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
  });
}
