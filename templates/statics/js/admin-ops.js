// @ts-check
// /admin/tasks, /admin/stats and /admin/audit.
import { h, need } from './dom.js';
import { api, onSearch, pagedTable, say, searchParams, td, when } from './admin.js';

/**
 * @typedef {{ id: string, video_name: string, state: string, attempts: number, last_error: string | null, updated_at: string }} AdminTask
 * @typedef {{ id: number, actor: { id: number, user_name: string } | null, action: string, target_type: string, target_id: string, detail: Record<string, string>, time: string }} AuditEntry
 */

function tasksSection() {
  /** @type {{ reload: () => Promise<void> }} */
  const table = pagedTable({
    head: ['Video', 'State', 'Attempts', 'Last error', 'Updated', 'Actions'],
    load: async (offset) => {
      const params = searchParams();
      params.set('offset', String(offset));
      const res = await api('GET', `/admin/tasks?${params}`);
      return res && { items: /** @type {AdminTask[]} */ (res.data.tasks), next_offset: res.data.next_offset };
    },
    row: (/** @type {AdminTask} */ t) =>
      h(
        'tr',
        { 'data-task': t.id },
        td(h('a', { href: `/v/${encodeURIComponent(t.id)}`, text: t.video_name })),
        td(h('span', { class: 'badge', text: t.state })),
        td(String(t.attempts)),
        td(t.last_error ?? '—'),
        td(when(t.updated_at)),
        h(
          'td',
          { class: 'actions' },
          t.state === 'failed'
            ? h('button', {
                class: 'btn btn-ghost',
                type: 'button',
                'aria-label': `Retry processing ${t.video_name}`,
                text: 'Retry',
                onclick: async () => {
                  if (await api('POST', `/admin/tasks/${encodeURIComponent(t.id)}/retry`, undefined, 202)) say(`Processing of “${t.video_name}” is queued again.`);
                  void table.reload();
                },
              })
            : null,
        ),
      ),
  });
  onSearch(() => void table.reload());
  void table.reload();
}

const STAT_LABELS = /** @type {const} */ ([
  ['users', 'Users'],
  ['videos', 'Videos'],
  ['storage_bytes', 'Storage'],
  ['views', 'Views'],
  ['open_reports', 'Open reports'],
  ['failed_tasks', 'Failed tasks'],
]);

/** @param {number} n */
function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

async function statsSection() {
  const res = await api('GET', '/admin/stats');
  if (!res) return;
  /** @type {Record<string, number>} */
  const stats = res.data;
  need('#admin-stats', HTMLElement).replaceChildren(
    ...STAT_LABELS.map(([key, label]) => h('div', { 'data-stat': key }, h('dt', { text: label }), h('dd', { text: key === 'storage_bytes' ? bytes(stats[key] ?? 0) : String(stats[key] ?? 0) }))),
  );
}

function auditSection() {
  const table = pagedTable({
    head: ['When', 'Who', 'Action', 'Target', 'Detail'],
    load: async (offset) => {
      const res = await api('GET', `/admin/audit?offset=${offset}`);
      return res && { items: /** @type {AuditEntry[]} */ (res.data.entries), next_offset: res.data.next_offset };
    },
    row: (/** @type {AuditEntry} */ e) =>
      h(
        'tr',
        {},
        td(when(e.time)),
        td(e.actor ? e.actor.user_name : 'command line'),
        td(e.action.replace('_', ' ')),
        td(`${e.target_type} ${e.target_id}`),
        td(Object.entries(e.detail).map(([k, v]) => `${k}: ${v}`).join(' · ')),
      ),
  });
  void table.reload();
}

/** @type {Record<string, () => void>} */
export const OPS_SECTIONS = { tasks: tasksSection, stats: () => void statsSection(), audit: auditSection };
