// @ts-check
// Comment text with `@name` mentions as links to the named channel. The text is split into text
// nodes and <a> elements built with textContent, so nothing in a comment is ever parsed as markup.
import { h } from './dom.js';

// A user name as the contract allows it (letters and digits of any script, `_`, `.`, `-`), preceded
// by the start or a character that cannot be part of a name (so mail@example.com is no mention).
const MENTION = /(^|[^\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]{1,64})/gu;

/**
 * The text as nodes: plain text, with each mention a link to /u/<name>.
 * @param {string} text
 * @returns {(Node | string)[]}
 */
export function withMentions(text) {
  /** @type {(Node | string)[]} */
  const out = [];
  let last = 0;
  for (const m of text.matchAll(MENTION)) {
    const at = (m.index ?? 0) + m[1].length;
    // A name does not end with a dot: "thanks @anna." mentions anna.
    const name = m[2].replace(/\.+$/, '');
    if (!name) continue;
    if (at > last) out.push(text.slice(last, at));
    out.push(h('a', { class: 'mention', href: `/u/${encodeURIComponent(name)}`, text: `@${name}` }));
    last = at + 1 + name.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
