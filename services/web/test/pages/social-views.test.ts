import { describe, expect, it } from 'vitest';
import { asConversations, asMessages, asPlaylist, asUsers } from '../../src/pages/api-shapes.js';
import { conversationItem, messageItems, playlistQueue } from '../../src/pages/social-views.js';

const anna = { id: 1, user_name: 'anna' };
const bob = { id: 2, user_name: 'bob' };
const msg = (id: string, from = bob, to = anna) => ({ id, from, to, content: `text ${id}`, time: '2026-01-01T00:00:00.000Z', read: false });

describe('api shapes', () => {
  it.each([
    [asUsers, { users: [anna, { id: 3 }, 'x'] }, { users: [anna], next_cursor: null }],
    [asUsers, { nope: [] }, undefined],
    [asMessages, { messages: [msg('1'), { id: '2' }], next_cursor: 'c' }, { messages: [msg('1')], next_cursor: 'c' }],
    [asPlaylist, { id: 'p', name: 'n' }, undefined],
    [asConversations, { conversations: [{ with: bob, last_message: 'odd', unread_count: 'x' }, { with: 7 }] }, [{ with: bob, last_message: null, unread_count: 0 }]],
  ])('%o(%j) → %j', (shape, input, out) => expect((shape as (v: unknown) => unknown)(input)).toEqual(out));

  it('a playlist keeps only well-formed videos, in order', () => {
    const list = asPlaylist({ id: 'p', name: 'n', owner: anna, videos: [{ id: 'b', name: 'B' }, { id: 1 }, { id: 'a', name: 'A' }] });
    expect(list?.videos.map((v) => v.id)).toEqual(['b', 'a']);
  });
});

describe('social views', () => {
  it('a thread reads oldest first, marking the viewer’s own messages', () => {
    const items = messageItems([msg('3', anna, bob), msg('2'), msg('1')], 'anna');
    expect(items.map((m) => [m.id, m.mine])).toEqual([['1', false], ['2', false], ['3', true]]);
  });

  it('the open conversation shows no unread count', () => {
    const c = { with: bob, last_message: msg('1'), unread_count: 2 };
    expect(conversationItem(c, 'bob')).toMatchObject({ current: true, unread: 0, href: '/messages?with=bob' });
    expect(conversationItem(c, '')).toMatchObject({ current: false, unread: 2, preview: 'text 1' });
  });

  it.each([
    ['a', 1, '/v/b?list=p%2F1'],
    ['b', 2, '/v/c?list=p%2F1'],
    ['c', 3, ''],
    ['zz', 0, ''],
  ])('playing %s: position %i, next %j', (current, position, next) => {
    const q = playlistQueue({ id: 'p/1', name: 'n', owner: anna, videos: ['a', 'b', 'c'].map((id) => ({ id, name: id })) }, current);
    expect([q.position, q.nextHref, q.total]).toEqual([position, next, 3]);
    expect(q.items.filter((i) => i.current).map((i) => i.id)).toEqual(position ? [current] : []);
  });
});
