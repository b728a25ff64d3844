import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { HOSTILE, pageOf, usePagesSite, type PagesSite } from './fake-public-api.js';

const site = usePagesSite();
const anna = { session: 'owner-session' };
const bob = { session: 'bob-session' };
let api: PagesSite['api'];
let web: FastifyInstance;
beforeAll(() => {
  ({ api, web } = site);
});

const page200 = (url: string, cookies?: Record<string, string>) => pageOf(site, url, cookies);
const modules = (html: string) => [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].map((m) => m[1]);

describe('signed-in pages send a visitor to sign in, coming back afterwards', () => {
  it.each([
    ['/feed', '/feed'],
    ['/messages', '/messages'],
    ['/messages?with=bob', '/messages?with=bob'],
    ['/?sort=foryou', '/?sort=foryou'],
  ])('%s → the sign-in form with next=%s', async (url, next) => {
    const res = await web.inject({ url });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/?next=${encodeURIComponent(next)}#auth`);
    const form = await page200(res.headers.location!.replace('#auth', ''));
    expect(form).toContain(`<input type="hidden" name="next" value="${next.replace(/&/g, '&amp;')}">`);
  });
});

describe('the header bell', () => {
  it('signed in: a button with aria-expanded controlling the dropdown, and the links to /feed and /messages', async () => {
    const body = await page200('/', anna);
    expect(body).toMatch(/<button[^>]*id="bell-btn"[^>]*aria-expanded="false"[^>]*aria-controls="bell-panel"/);
    expect(body).toContain('id="bell-panel"');
    expect(body).toContain('href="/feed"');
    expect(body).toContain('href="/messages"');
  });

  it('a visitor has no bell', async () => {
    expect(await page200('/')).not.toContain('id="bell"');
  });
});

describe('GET /feed', () => {
  it('shows the followed channels’ videos as cards, with "Load more" from the feed route', async () => {
    api.social.following.add('bob');
    const body = await page200('/feed', anna);
    expect(body).toContain('href="/v/later"');
    expect(body).toContain('data-source="/api/user/anna/feed"');
    expect(api.seen.findLast((s) => s.url.startsWith('/user/anna/feed'))).toEqual({ url: '/user/anna/feed?limit=24', session: 'owner-session' });
    expect(modules(body)).toEqual(['/statics/js/subscriptions.js']);
    api.social.following.clear();
    expect(await page200('/feed', anna)).toContain('Follow a channel from its page');
  });
});

describe('GET / For you', () => {
  it('a tab for signed-in users only, showing the recommendations and their reasons (escaped)', async () => {
    expect(await page200('/')).not.toContain('sort=foryou');
    const body = await page200('/?sort=foryou', anna);
    expect(body).toMatch(/<a href="\/\?sort=foryou" aria-current="page">For you<\/a>/);
    expect(body).toContain('<p class="vcard-reason">because you follow &lt;bob&gt;</p>');
    expect(body).toContain('href="/v/cats"');
    expect(body).toContain('<title>For you · Reel</title>');
    expect(api.seen.findLast((s) => s.url.includes('/recommended'))!.url).toBe('/user/anna/recommended?limit=24');
  });
});

describe('GET /u/:name with follows', () => {
  it('shows the counts, both lists, the RSS link (head and page) and a sign-in to follow for visitors', async () => {
    const body = await page200('/u/anna');
    expect(body).toContain('<link rel="alternate" type="application/rss+xml" title="anna · videos" href="/api/user/anna/videos.rss">');
    expect(body).toContain('id="followers-count">1 follower</a>');
    expect(body).toContain('0 following');
    expect(body).toMatch(/id="followers-list">[\s\S]*href="\/u\/bob"/);
    expect(body).toContain('Not following anyone yet.');
    expect(body).toContain('Sign in to follow');
    expect(body).toContain(`href="/?next=${encodeURIComponent('/u/anna')}#auth"`);
  });

  it('another signed-in user gets a follow button and a message link; the owner neither', async () => {
    const other = await page200('/u/anna', bob);
    expect(other).toMatch(/<button[^>]*id="follow-btn" data-name="anna" aria-pressed="false">Follow<\/button>/);
    expect(other).toContain('href="/messages?with=anna"');
    const own = await page200('/u/anna', anna);
    expect(own).not.toContain('id="follow-btn"');
    expect(modules(own)).toEqual(['/statics/js/channel.js']);
  });
});

describe('GET /playlists/:pid', () => {
  it('lists the videos in order, each linking to its watch page in the list, with Play all', async () => {
    const body = await page200('/playlists/pl1');
    expect(body).toContain('<h1 class="page-heading" id="playlist-name">Weekend &lt;picks&gt;</h1>');
    const hrefs = [...body.matchAll(/class="playlist-link" href="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(['/v/cats?list=pl1', '/v/hlsReady?list=pl1', '/v/later?list=pl1']);
    expect(body).toContain('id="play-all" href="/v/cats?list=pl1"');
  });

  it('a private playlist is the 404 page to anyone but its owner; an unknown one too', async () => {
    for (const cookies of [undefined, bob]) {
      const res = await web.inject({ url: '/playlists/plsecret', cookies });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('This playlist isn’t here');
    }
    expect((await web.inject({ url: '/playlists/nope' })).statusCode).toBe(404);
    expect((await web.inject({ url: '/playlists/plsecret', cookies: anna })).statusCode).toBe(200);
  });

  it('the watch page with ?list= shows the list beside the player, the current one marked, and the next video', async () => {
    const body = await page200('/v/hlsReady?list=pl1');
    expect(body).toContain('data-next-href="/v/later?list=pl1"');
    expect(body).toMatch(/href="\/v\/hlsReady\?list=pl1" aria-current="true"/);
    expect(body).toContain('2 / 3');
    const last = await page200('/v/later?list=pl1');
    expect(last).toContain('data-next-href=""');
    const unknown = await page200('/v/cats?list=nope');
    expect(unknown).not.toContain('id="queue"');
  });
});

describe('GET /messages', () => {
  it('lists the conversations; ?with= opens the thread oldest first, escaped, with a send form', async () => {
    const list = await page200('/messages', anna);
    expect(list).toMatch(/<li data-with="bob"><a class="conversation" href="\/messages\?with=bob"/);
    expect(list).toContain('Pick a conversation');
    const thread = await page200('/messages?with=bob', anna);
    expect(thread).toContain('<p class="msg-text">Hi &lt;anna&gt;!</p>');
    expect(thread).toContain('id="message-form"');
    expect(thread).toContain('data-with="bob"');
    expect(thread).not.toContain(HOSTILE);
    expect(modules(thread)).toEqual(['/statics/js/messages.js']);
  });

  it('a thread with nobody of that name says so, without a form', async () => {
    const body = await page200('/messages?with=nobody', anna);
    expect(body).toContain('There is no user of that name.');
    expect(body).not.toContain('id="message-form"');
  });
});

describe('the watch page’s social buttons', () => {
  it('signed in: favorite, save (with its dialog) and follow for someone else’s video', async () => {
    const body = await page200('/v/cats', bob);
    expect(body).toMatch(/<button[^>]*id="favorite-btn" aria-pressed="false"/);
    expect(body).toMatch(/<button[^>]*id="save-btn"/);
    expect(body).toContain('<dialog id="save-dialog"');
    expect(body).toMatch(/<button[^>]*id="follow-btn" data-name="anna"/);
  });

  it('the owner has no follow button; a visitor gets sign-in links instead of buttons', async () => {
    expect(await page200('/v/cats', anna)).not.toContain('id="follow-btn"');
    const visitor = await page200('/v/cats');
    for (const id of ['favorite-btn', 'save-btn', 'follow-btn']) expect(visitor).toMatch(new RegExp(`<a class="btn[^"]*" id="${id}" data-signin href="/\\?next=%2Fv%2Fcats#auth"`));
    expect(visitor).not.toContain('id="save-dialog"');
  });
});
