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

describe('GET /library', () => {
  it.each(['/library', '/library?tab=history', '/library?tab=playlists', '/library?tab=blocked'])('%s sends a visitor to sign in and back', async (url) => {
    const res = await web.inject({ url });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/?next=${encodeURIComponent(url)}#auth`);
  });

  it('favorites (the default tab): the user’s own favorites as cards with "Load more" from the api, the tab marked', async () => {
    api.social.favorites.add('cats');
    const body = await page200('/library', anna);
    expect(body).toContain('href="/v/cats"');
    expect(body).toContain('data-source="/api/user/anna/favorites"');
    expect(body).toMatch(/<a href="\/library" aria-current="page">Favorites<\/a>/);
    expect(api.seen.findLast((s) => s.url.startsWith('/user/anna/favorites'))).toEqual({ url: '/user/anna/favorites?limit=24', session: 'owner-session' });
    expect(modules(body)).toEqual(['/statics/js/library.js']);
    api.social.favorites.clear();
    expect(await page200('/library', anna)).toContain('No favorites yet.');
  });

  it('history: last watched first, with a clear button only when there is something to clear', async () => {
    api.social.history.push('later', 'cats');
    const body = await page200('/library?tab=history', anna);
    expect(body.indexOf('href="/v/later"')).toBeLessThan(body.indexOf('href="/v/cats"'));
    expect(body).toContain('id="history-clear"');
    expect(body).toContain('data-source="/api/user/anna/history"');
    api.social.history.length = 0;
    const empty = await page200('/library?tab=history', anna);
    expect(empty).not.toContain('id="history-clear"');
    expect(empty).toContain('Nothing watched yet.');
  });

  it('playlists: the user’s own lists (escaped, with their privacy) and a form to make one', async () => {
    const body = await page200('/library?tab=playlists', anna);
    expect(body).toContain('<a href="/playlists/pl1">Weekend &lt;picks&gt;</a>');
    expect(body).toMatch(/<a href="\/playlists\/plsecret">Hidden<\/a>.*badge-private/);
    expect(body).toContain('id="playlist-create"');
    expect(body).not.toContain(HOSTILE);
    expect(await page200('/library?tab=playlists', bob)).toContain('No playlists yet.');
  });

  it('blocked: each blocked user with an unblock button; an unknown tab falls back to favorites', async () => {
    api.social.blocked.add('bob');
    const body = await page200('/library?tab=blocked', anna);
    expect(body).toMatch(/<a href="\/u\/bob">bob<\/a> <button[^>]*data-unblock="bob"/);
    api.social.blocked.clear();
    expect(await page200('/library?tab=blocked', anna)).toContain('You have not blocked anyone.');
    expect(await page200('/library?tab=%3Cscript%3E', anna)).toMatch(/<a href="\/library" aria-current="page">Favorites/);
  });

  it('the header links to the library when signed in', async () => {
    expect(await page200('/', anna)).toContain('id="library-link"');
    expect(await page200('/')).not.toContain('id="library-link"');
  });
});

describe('the playlist page’s owner tools', () => {
  it('the owner gets the edit form and move/remove buttons per video; others and visitors get neither', async () => {
    const owner = await page200('/playlists/pl1', anna);
    expect(owner).toContain('id="playlist-edit-form"');
    expect(owner).toContain('data-me="anna"');
    expect(owner.match(/data-move="-1"/g)).toHaveLength(3);
    expect(owner.match(/data-remove/g)).toHaveLength(3);
    expect(owner).toContain('<input name="name" required maxlength="200" value="Weekend &lt;picks&gt;"');
    for (const cookies of [bob, undefined]) {
      const other = await page200('/playlists/pl1', cookies);
      expect(other).not.toContain('id="playlist-edit-form"');
      expect(other).not.toContain('data-move');
      expect(other).toContain('data-me=""');
    }
  });
});

describe('the channel page’s block button', () => {
  it('for a signed-in user on someone else’s channel only', async () => {
    expect(await page200('/u/anna', bob)).toMatch(/<button[^>]*id="block-btn" data-name="anna" aria-pressed="false">Block<\/button>/);
    expect(await page200('/u/anna', anna)).not.toContain('id="block-btn"');
    expect(await page200('/u/anna')).not.toContain('id="block-btn"');
  });
});
