// @ts-check
// /admin/reports: one state's reports, newest first, page by page; an open one can be resolved or
// dismissed with a note (PATCH /admin/reports/:id), after which it leaves the list.
import { h } from './dom.js';
import { callOrOffline, describeError } from './http.js';

/**
 * @typedef {{ id: string, target: string, target_id: string, video_id: string | null, reason: string, note: string, state: string,
 *   create_time: string, reporter: string, summary: string | null, target_open_reports: number, video_hidden: boolean,
 *   decided_by: string | null, decided_at: string | null, decision_note: string | null }} AdminReport
 */

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const list = /** @type {HTMLElement} */ (document.getElementById('report-list'));
const status = /** @type {HTMLElement} */ (document.getElementById('reports-status'));
const more = /** @type {HTMLButtonElement} */ (document.getElementById('reports-more'));
const state = main.dataset.state ?? 'open';
/** @type {string | null} */
let cursor = null;

/** @param {AdminReport} r */
function targetLink(r) {
  const text = r.summary ?? `(gone) ${r.target_id}`;
  if (r.target === 'user') return h('a', { href: `/u/${encodeURIComponent(r.target_id)}`, text });
  if (r.video_id) return h('a', { href: `/v/${encodeURIComponent(r.video_id)}`, text });
  return h('span', { text });
}

/** @param {AdminReport} r @param {HTMLElement} item */
function decisionForm(r, item) {
  const note = h('input', { type: 'text', maxlength: 1000, placeholder: 'Note (optional)', 'aria-label': `Decision note for the report by ${r.reporter}` });
  const error = h('p', { class: 'form-error', role: 'alert' });
  /** @param {'resolved' | 'dismissed'} decision */
  const decide = async (decision) => {
    error.textContent = '';
    const res = await callOrOffline('PATCH', `/api/admin/reports/${encodeURIComponent(r.id)}`, { state: decision, note: note.value.trim() });
    if (res.status !== 200) return void (error.textContent = describeError(res.status, res.data, { on409: 'Someone decided it already.' }));
    item.replaceWith(h('li', { class: 'report card muted', role: 'status', text: `${decision === 'resolved' ? 'Resolved' : 'Dismissed'}: ${r.summary ?? r.target_id}` }));
  };
  const btn = (/** @type {string} */ text, /** @type {'resolved' | 'dismissed'} */ decision, /** @type {string} */ cls) =>
    h('button', { type: 'button', class: `btn ${cls} btn-small`, text, 'aria-label': `${text} the report by ${r.reporter}`, onclick: () => void decide(decision) });
  return h('div', { class: 'report-decide' }, note, btn('Resolve', 'resolved', 'btn-primary'), ' ', btn('Dismiss', 'dismissed', 'btn-ghost'), error);
}

/** @param {AdminReport} r */
function reportItem(r) {
  const item = h(
    'li',
    { class: 'report card', 'data-id': r.id },
    h('p', {}, h('span', { class: 'badge', text: r.target }), ' ', targetLink(r), r.video_hidden ? h('span', { class: 'badge badge-private', text: ' hidden' }) : null),
    h('p', { class: 'muted' }, `${r.reason} · by `, h('a', { href: `/u/${encodeURIComponent(r.reporter)}`, text: r.reporter }), ` · ${new Date(r.create_time).toLocaleString()} · ${r.target_open_reports} open on this`),
    r.note ? h('p', { class: 'report-note', text: r.note }) : null,
    r.decided_by ? h('p', { class: 'muted', text: `${r.state} by ${r.decided_by}${r.decision_note ? `: ${r.decision_note}` : ''}` }) : null,
  );
  if (r.state === 'open') item.append(decisionForm(r, item));
  return item;
}

async function load() {
  const query = new URLSearchParams({ state, limit: '30' });
  if (cursor) query.set('cursor', cursor);
  more.disabled = true;
  const res = await callOrOffline('GET', `/api/admin/reports?${query}`);
  more.disabled = false;
  if (res.status !== 200) return void (status.textContent = describeError(res.status, res.data));
  /** @type {AdminReport[]} */
  const reports = res.data.reports;
  list.append(...reports.map(reportItem));
  cursor = res.data.next_cursor ?? null;
  more.hidden = !cursor;
  status.textContent = list.children.length ? '' : `No ${state} reports.`;
}

more.addEventListener('click', () => void load());
void load();
