// @ts-check
// The report dialog: any button with data-report-target ("video", "comment", "danmaku" or "user")
// and data-report-id opens it (buttons added later too); it sends POST /reports and says how it went.
import { callOrOffline, describeError } from './http.js';

/** @type {Record<string, string>} */
const WHAT = { video: 'this video', comment: 'this comment', danmaku: 'this danmaku', user: 'this user' };

const dialog = document.getElementById('report-dialog');
if (dialog instanceof HTMLDialogElement) initReportDialog(dialog);

/** @param {HTMLDialogElement} dialog */
function initReportDialog(dialog) {
  const form = /** @type {HTMLFormElement} */ (dialog.querySelector('#report-form'));
  const what = /** @type {HTMLElement} */ (dialog.querySelector('#report-what'));
  const error = /** @type {HTMLElement} */ (dialog.querySelector('#report-error'));
  const status = /** @type {HTMLElement} */ (dialog.querySelector('#report-status'));
  const send = /** @type {HTMLButtonElement} */ (dialog.querySelector('#report-send'));
  /** @type {{ target: string, id: string, opener: HTMLElement } | null} */
  let current = null;

  document.addEventListener('click', (event) => {
    const opener = event.target instanceof Element ? event.target.closest('[data-report-target][data-report-id]') : null;
    if (!(opener instanceof HTMLElement)) return;
    event.preventDefault();
    current = { target: opener.dataset.reportTarget ?? '', id: opener.dataset.reportId ?? '', opener };
    form.reset();
    error.textContent = '';
    status.textContent = '';
    send.disabled = false;
    what.textContent = WHAT[current.target] ?? 'this';
    dialog.showModal();
    /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=reason]'))?.focus();
  });
  dialog.querySelector('#report-cancel')?.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => current?.opener.focus());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!current) return;
    const fields = new FormData(form);
    const note = String(fields.get('note') ?? '').trim();
    const body = { target: current.target, id: current.id, reason: String(fields.get('reason') ?? ''), ...(note ? { note } : {}) };
    send.disabled = true;
    error.textContent = '';
    const res = await callOrOffline('POST', '/api/reports', body);
    if (res.status === 201) {
      status.textContent = 'Thank you: the moderators will look at it.';
      setTimeout(() => dialog.close(), 1200);
      return;
    }
    send.disabled = false;
    const own = res.status === 400 && /yourself|own content/.test(String(res.data?.error ?? ''));
    error.textContent = own
      ? 'You cannot report yourself or your own content.'
      : describeError(res.status, res.data, { on409: 'You have reported this already; the moderators have not decided yet.', on404: 'It no longer exists.' });
  });
}
