// @ts-check
// /admin/*: one table per section, filled from /api/admin/* and paged with "More"; ban, takedown and
// the like ask for a reason in one dialog. The api checks the role on every call; the page only
// leaves out buttons the viewer's role cannot use.
import { h, need } from './dom.js';
import { callOrOffline, capitalize, describeError } from './http.js';
import { SECTIONS } from './admin-sections.js';

const main = need('#main', HTMLElement);
export const section = main.dataset.section ?? '';
export const role = main.dataset.role ?? 'moderator';
export const me = main.dataset.me ?? '';

const errorBox = need('#admin-error', HTMLElement);
const statusBox = need('#admin-status', HTMLElement);

/** @param {string} message */
export function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

/** @param {string} message */
export function say(message) {
  statusBox.textContent = message;
}

/**
 * Calls the api through the web; an error is shown (the api's own words when it gave them) and null returned.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @param {number} [okStatus]
 */
export async function api(method, url, body, okStatus = 200) {
  const res = await callOrOffline(method, `/api${url}`, body);
  if (res.status === okStatus) {
    showError('');
    return res;
  }
  const own = res.data && typeof res.data.error === 'string' && res.status >= 400 && res.status < 500 ? capitalize(res.data.error) : '';
  showError(own || describeError(res.status, res.data));
  if (res.status === 401) location.assign(`/?next=${encodeURIComponent(location.pathname)}#auth`);
  return null;
}

const dialog = /** @type {HTMLDialogElement} */ (need('#admin-dialog', HTMLElement));
const reasonInput = /** @type {HTMLTextAreaElement} */ (need('#admin-reason', HTMLElement));
const dialogError = need('#admin-dialog-error', HTMLElement);

/**
 * Asks for a reason in the dialog; resolves to the text, or null when cancelled.
 * @param {{ title: string, text: string, confirm: string, required: boolean }} opts
 * @returns {Promise<string | null>}
 */
export function askReason(opts) {
  need('#admin-dialog-title', HTMLElement).textContent = opts.title;
  need('#admin-dialog-text', HTMLElement).textContent = opts.text;
  need('#admin-dialog-ok', HTMLElement).textContent = opts.confirm;
  reasonInput.value = '';
  // Checked here rather than by the browser, so the message is ours and is announced.
  reasonInput.setAttribute('aria-required', String(opts.required));
  dialogError.textContent = '';
  return new Promise((resolve) => {
    const form = need('#admin-dialog-form', HTMLFormElement);
    const cancel = need('#admin-dialog-cancel', HTMLButtonElement);
    const done = (/** @type {string | null} */ value) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onSubmit = (/** @type {Event} */ e) => {
      e.preventDefault();
      const reason = reasonInput.value.trim();
      if (opts.required && !reason) {
        dialogError.textContent = 'Please give a reason.';
        reasonInput.focus();
        return;
      }
      done(reason);
    };
    const onCancel = (/** @type {Event} */ e) => {
      e.preventDefault();
      done(null);
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    reasonInput.focus();
  });
}

/**
 * A paged table: `load(offset)` answers { items, next_offset }; each item becomes a row.
 * @template T
 * @param {{ head: string[], load: (offset: number) => Promise<{ items: T[], next_offset: number | null } | null>, row: (item: T) => HTMLTableRowElement }} spec
 */
export function pagedTable(spec) {
  const rows = need('#admin-rows', HTMLElement);
  const more = need('#admin-more', HTMLButtonElement);
  const empty = need('#admin-empty', HTMLElement);
  need('#admin-head', HTMLElement).replaceChildren(...spec.head.map((t) => h('th', { scope: 'col', text: t })));
  let next = /** @type {number | null} */ (0);
  async function page(reset = false) {
    if (reset) next = 0;
    if (next === null) return;
    const got = await spec.load(next);
    if (!got) return;
    const made = got.items.map(spec.row);
    if (reset) rows.replaceChildren(...made);
    else rows.append(...made);
    next = got.next_offset;
    more.hidden = next === null;
    empty.hidden = rows.children.length > 0;
  }
  more.addEventListener('click', () => void page());
  return { reload: () => page(true) };
}

/**
 * A table cell.
 * @param {...(Node | string | null | undefined | false)} children
 */
export const td = (...children) => h('td', {}, ...children);

/** @param {string} iso */
export const when = (iso) => h('time', { datetime: iso, text: new Date(iso).toLocaleString() });

/** The search form's values as query parameters (empty ones left out). */
export function searchParams() {
  const form = document.getElementById('admin-search');
  const params = new URLSearchParams();
  if (form instanceof HTMLFormElement) {
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim()) params.set(k, v.trim());
  }
  return params;
}

/** @param {() => void} reload */
export function onSearch(reload) {
  const form = document.getElementById('admin-search');
  if (!(form instanceof HTMLFormElement)) return;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    reload();
  });
  for (const select of form.querySelectorAll('select')) select.addEventListener('change', reload);
}

const start = SECTIONS[section];
if (start) start();
