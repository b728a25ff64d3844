// @ts-check
// /admin/users and /admin/videos: search, role select (admins), ban / unban, takedown.
import { h } from './dom.js';
import { api, askReason, me, onSearch, pagedTable, role, say, searchParams, td, when } from './admin.js';
import { OPS_SECTIONS } from './admin-ops.js';

/**
 * @typedef {{ id: number, user_name: string, role: 'user' | 'moderator' | 'admin', banned: boolean, ban_reason: string | null, create_time: string, email?: string | null }} AdminUser
 * @typedef {{ id: string, name: string, author: string, author_banned: boolean, state: string, views: number, create_time: string, privacy: string }} AdminVideo
 */

const ROLES = ['user', 'moderator', 'admin'];

/** @param {AdminUser} u */
function roleCell(u, /** @type {() => void} */ reload) {
  if (role !== 'admin' || u.user_name === me) return td(u.role);
  const select = h('select', { 'aria-label': `Role of ${u.user_name}`, 'data-role-of': u.user_name }, ...ROLES.map((r) => h('option', { value: r, selected: r === u.role, text: r })));
  select.addEventListener('change', async () => {
    const done = await api('PATCH', `/admin/users/${encodeURIComponent(u.user_name)}`, { role: select.value });
    if (done) say(`${u.user_name} is now ${select.value}.`);
    reload();
  });
  return td(select);
}

/** Whether this viewer may ban or unban that user (the api decides again). */
const mayBan = (/** @type {AdminUser} */ u) => u.user_name !== me && (role === 'admin' || u.role === 'user');

/** @param {AdminUser} u */
function banButton(u, /** @type {() => void} */ reload) {
  if (!mayBan(u)) return null;
  const label = u.banned ? `Unban ${u.user_name}` : `Ban ${u.user_name}`;
  return h('button', {
    class: u.banned ? 'btn btn-ghost' : 'btn btn-danger-ghost',
    type: 'button',
    'aria-label': label,
    'data-ban': u.user_name,
    text: u.banned ? 'Unban' : 'Ban…',
    onclick: async () => {
      const reason = u.banned
        ? ''
        : await askReason({ title: `Ban ${u.user_name}?`, text: 'Their sessions end now, they cannot sign in, and their videos, comments and danmaku disappear until the ban is lifted.', confirm: 'Ban', required: true });
      if (reason === null) return;
      const body = u.banned ? { banned: false } : { banned: true, reason };
      const done = await api('PATCH', `/admin/users/${encodeURIComponent(u.user_name)}`, body);
      if (done) say(u.banned ? `${u.user_name} is no longer banned.` : `${u.user_name} is banned.`);
      reload();
    },
  });
}

function usersSection() {
  /** @type {{ reload: () => Promise<void> }} */
  const table = pagedTable({
    head: role === 'admin' ? ['Name', 'Email', 'Role', 'Status', 'Joined', 'Actions'] : ['Name', 'Role', 'Status', 'Joined', 'Actions'],
    load: async (offset) => {
      const params = searchParams();
      params.set('offset', String(offset));
      const res = await api('GET', `/admin/users?${params}`);
      return res && { items: /** @type {AdminUser[]} */ (res.data.users), next_offset: res.data.next_offset };
    },
    row: (/** @type {AdminUser} */ u) =>
      h(
        'tr',
        { 'data-user': u.user_name },
        td(h('a', { href: `/u/${encodeURIComponent(u.user_name)}`, text: u.user_name })),
        role === 'admin' ? td(u.email ?? '—') : null,
        roleCell(u, () => void table.reload()),
        td(u.banned ? h('span', { class: 'badge badge-banned', text: `banned${u.ban_reason ? `: ${u.ban_reason}` : ''}` }) : h('span', { class: 'badge', text: 'active' })),
        td(when(u.create_time)),
        h('td', { class: 'actions' }, banButton(u, () => void table.reload())),
      ),
  });
  onSearch(() => void table.reload());
  void table.reload();
}

/** @param {AdminVideo} v */
function takedownButton(v, /** @type {() => void} */ reload) {
  return h('button', {
    class: 'btn btn-danger-ghost',
    type: 'button',
    'aria-label': `Take down ${v.name}`,
    text: 'Take down…',
    onclick: async () => {
      const reason = await askReason({ title: `Take down “${v.name}”?`, text: `The video is deleted for good and ${v.author} is told why.`, confirm: 'Take down', required: true });
      if (reason === null) return;
      const done = await api('DELETE', `/admin/videos/${encodeURIComponent(v.id)}`, { reason }, 204);
      if (done) say(`“${v.name}” was taken down.`);
      reload();
    },
  });
}

function videosSection() {
  /** @type {{ reload: () => Promise<void> }} */
  const table = pagedTable({
    head: ['Title', 'Author', 'State', 'Views', 'Created', 'Actions'],
    load: async (offset) => {
      const params = searchParams();
      params.set('offset', String(offset));
      const res = await api('GET', `/admin/videos?${params}`);
      return res && { items: /** @type {AdminVideo[]} */ (res.data.videos), next_offset: res.data.next_offset };
    },
    row: (/** @type {AdminVideo} */ v) =>
      h(
        'tr',
        { 'data-video': v.id },
        td(v.author_banned ? v.name : h('a', { href: `/v/${encodeURIComponent(v.id)}`, text: v.name })),
        td(v.author, v.author_banned ? h('span', { class: 'badge badge-banned', text: ' banned' }) : null),
        td(h('span', { class: 'badge', text: v.state }), v.privacy === 'public' ? null : ` (${v.privacy})`),
        td(String(v.views)),
        td(when(v.create_time)),
        h('td', { class: 'actions' }, takedownButton(v, () => void table.reload())),
      ),
  });
  onSearch(() => void table.reload());
  void table.reload();
}

/** @type {Record<string, () => void>} */
export const SECTIONS = { users: usersSection, videos: videosSection, ...OPS_SECTIONS };
