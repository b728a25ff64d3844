// @ts-check
// /messages: the conversation list and the open thread. Sending appends the message; a `message`
// notification from the socket brings the other side's new messages and refreshes the list.
import { initBell } from './bell.js';
import { h, need, timeEl } from './dom.js';
import { describeError } from './http.js';
import { listConversations, listThread, sendMessage } from './social-api.js';
import { guard, showError, userName } from './user-page.js';
// The report dialog sets itself up when the page has it.
import './report.js';

/**
 * @typedef {import('../../types/social').Message} Message
 * @typedef {import('../../types/social').Notification} Notification
 * @typedef {import('../../types/social').Conversation} Conversation
 */

const app = need('#app', HTMLElement);
const other = app.dataset.with ?? '';
const threadList = /** @type {HTMLOListElement | null} */ (document.getElementById('thread-list'));
const convList = need('#conversation-list', HTMLUListElement);
const NEWEST = 20;

/** @param {Message} m */
function messageEl(m) {
  const mine = m.from.user_name === userName;
  return h('li', { class: `msg${mine ? ' msg-mine' : ''}`, 'data-id': m.id }, h('p', { class: 'msg-text', text: m.content }), timeEl(m.time));
}

/** @param {string} id */
const shown = (id) => threadList?.querySelector(`li[data-id="${CSS.escape(id)}"]`) != null;

/** @param {Conversation} c */
function conversationEl(c) {
  const name = c.with.user_name;
  const current = name === other;
  return h(
    'li',
    { 'data-with': name },
    h(
      'a',
      { class: 'conversation', href: `/messages?with=${encodeURIComponent(name)}`, 'aria-current': current ? 'page' : null },
      h('span', { class: 'avatar', 'aria-hidden': 'true', text: Array.from(name)[0].toUpperCase() }),
      h('span', { class: 'conversation-text' }, h('strong', { class: 'conversation-name', text: name }), h('span', { class: 'conversation-preview muted', text: c.last_message?.content.slice(0, 120) ?? '' })),
      h('span', { class: 'conversation-unread', hidden: current || !c.unread_count }, String(c.unread_count), h('span', { class: 'visually-hidden', text: ' unread' })),
    ),
  );
}

async function refreshConversations() {
  const res = await guard(() => listConversations(userName));
  if (!res || res.status !== 200) return;
  convList.replaceChildren(...res.data.conversations.map(conversationEl));
  const empty = document.getElementById('conversations-empty');
  if (empty) empty.hidden = res.data.conversations.length > 0;
}

/** The thread's newest page, appending what is not shown yet (the api marks them read). */
async function refreshThread() {
  if (!threadList || !other) return;
  const res = await guard(() => listThread(userName, other, new URLSearchParams({ limit: String(NEWEST) })));
  if (!res || res.status !== 200) return;
  for (const m of [...res.data.messages].reverse()) if (!shown(m.id)) threadList.append(messageEl(m));
  threadList.lastElementChild?.scrollIntoView({ block: 'nearest' });
  // Reading the thread marked its message notifications read: the bell says so.
  document.dispatchEvent(new Event('notifications-read'));
}

function initOlder() {
  const older = /** @type {HTMLButtonElement | null} */ (document.getElementById('thread-older'));
  if (!older || !threadList) return;
  older.addEventListener('click', async () => {
    const query = new URLSearchParams({ limit: String(NEWEST), cursor: app.dataset.olderCursor ?? '' });
    older.disabled = true;
    const res = await guard(() => listThread(userName, other, query));
    older.disabled = false;
    if (!res) return;
    if (res.status !== 200) return showError(describeError(res.status, res.data));
    for (const m of res.data.messages) if (!shown(m.id)) threadList.prepend(messageEl(m));
    app.dataset.olderCursor = res.data.next_cursor ?? '';
    older.hidden = !res.data.next_cursor;
  });
}

function initSend() {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById('message-form'));
  if (!form || !threadList) return;
  const input = need('#message-input', HTMLTextAreaElement);
  const error = need('#message-form [data-error]', HTMLElement);
  const submit = need('#message-form button[type=submit]', HTMLButtonElement);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return void (error.textContent = 'Write something first.');
    submit.disabled = true;
    const res = await guard(() => sendMessage(userName, other, content));
    submit.disabled = false;
    if (!res) return;
    if (res.status !== 201) return void (error.textContent = describeError(res.status, res.data, { on404: 'There is no user of that name.' }));
    error.textContent = '';
    input.value = '';
    if (!shown(res.data.id)) threadList.append(messageEl(res.data));
    threadList.lastElementChild?.scrollIntoView({ block: 'nearest' });
    void refreshConversations();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
}

document.addEventListener('notification', (event) => {
  const n = /** @type {CustomEvent<Notification>} */ (event).detail;
  if (n.type !== 'message') return;
  if (n.actor?.user_name === other) void refreshThread();
  void refreshConversations();
});
initBell();
initSend();
initOlder();
threadList?.lastElementChild?.scrollIntoView({ block: 'nearest' });
