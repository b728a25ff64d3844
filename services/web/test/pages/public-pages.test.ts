import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWebWithoutUpstreams } from '../helper.js';
import { HOSTILE, pageOf, usePagesSite, type PagesSite } from './fake-public-api.js';

const site = usePagesSite();
const owner = { session: 'owner-session' };
let api: PagesSite['api'];
let web: FastifyInstance;
beforeAll(() => {
  ({ api, web } = site);
});

const page200 = (url: string, cookies?: Record<string, string>) => pageOf(site, url, cookies);

/** The content of a `<meta property=…>` tag. */
const meta = (html: string, property: string) => new RegExp(`<meta property="${property}" content="([^"]*)">`).exec(html)?.[1];

/** Nothing the api said shows up as markup: no script but the page's own, no event attribute. */
function expectNoInjectedMarkup(html: string) {
  expect(html).not.toContain(HOSTILE);
  expect(html).not.toMatch(/<script>|<b>bold|<img src=x/);
}

describe('GET / (the public home)', () => {
  it('shows a grid of cards linking to watch pages, with the tabs, load more and the sign-in panel', async () => {
    const body = await page200('/');
    expect(body).toContain('href="/v/cats"');
    expect(body).toContain('href="/u/anna"');
    expect(body).toContain('1:15');
    expect(body).toContain('1,234 views');
    expect(body).toContain('3 days ago');
    expect(body).toContain('src="/videos/cats/thumb.jpg"');
    expect(body).toContain('src="/statics/img/poster.svg" alt=""');
    expect(body).toContain('data-next-cursor="page-2"');
    expect(body).toMatch(/<a href="\/" aria-current="page">Recent<\/a>/);
    expect(body).toContain('id="signin-form"');
    expect(api.seen.findLast((s) => s.url.startsWith('/videos?'))!.url).toBe('/videos?sort=recent&limit=24');
    expectNoInjectedMarkup(body);
  });

  it('Trending asks for sort=hot', async () => {
    const body = await page200('/?sort=hot');
    expect(body).toMatch(/<a href="\/\?sort=hot" aria-current="page">Trending<\/a>/);
    expect(api.seen.findLast((s) => s.url.startsWith('/videos?'))!.url).toBe('/videos?sort=hot&limit=24');
  });

  it('a signed-in user gets the same grid, their name in the header and no forms', async () => {
    const body = await page200('/', owner);
    expect(body).toContain('<span id="user-name">anna</span>');
    expect(body).toContain('href="/v/cats"');
    expect(body).not.toContain('id="signin-form"');
  });

  it('keeps a valid watch page to go back to in the forms, and drops anything else', async () => {
    const ok = await web.inject({ url: '/?next=%2Fv%2Fcats' });
    expect(ok.body).toContain('<input type="hidden" name="next" value="/v/cats">');
    for (const bad of ['//evil.example/v/x', 'https://evil.example/', '/userhome', '/v/../x', '/v/a"b']) {
      const res = await web.inject({ url: `/?next=${encodeURIComponent(bad)}` });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('name="next"');
    }
  });
});

describe('GET /v/:id (the watch page)', () => {
  it('has the title, OpenGraph tags and a canonical link built from the request host', async () => {
    const res = await web.inject({ url: '/v/cats', headers: { host: '127.0.0.1:8080' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>Cats &amp; dogs</title>');
    expect(res.body).toContain('<link rel="canonical" href="http://127.0.0.1:8080/v/cats">');
    expect(meta(res.body, 'og:title')).toBe('Cats &amp; dogs');
    expect(meta(res.body, 'og:type')).toBe('video.other');
    expect(meta(res.body, 'og:url')).toBe('http://127.0.0.1:8080/v/cats');
    expect(meta(res.body, 'og:image')).toBe('http://127.0.0.1:8080/videos/cats/poster.jpg');
    expect(meta(res.body, 'og:video')).toBe('http://127.0.0.1:8080/videos/cats');
  });

  it('shows the player, description, tags as search links, the author link, counts, comments and related videos', async () => {
    const res = await web.inject({ url: '/v/cats' });
    expect(res.body).toContain('data-video-id="cats"');
    expect(res.body).toContain('src="/statics/vendor/DPlayer.min.js"');
    expect(res.body).toContain('src="/statics/js/watch.js"');
    expect(res.body).toContain('Two friends.\nAt play.');
    expect(res.body).toContain('href="/search?q=cats"');
    expect(res.body).toContain('href="/search?q=pets%20%3C3"');
    expect(res.body).toContain('<a class="author-link" href="/u/anna">anna</a>');
    expect(res.body).toMatch(/id="like-count">3</);
    expect(res.body).toMatch(/id="dislike-count">1</);
    expect(res.body).toContain('id="comment-list"');
    expect(res.body).toContain('href="/v/hostile"');
  });

  it('a visitor gets sign-in links that come back here, the comment form hidden, and the sign-in dialog', async () => {
    const res = await web.inject({ url: '/v/cats' });
    expect(res.body).toMatch(/<a class="btn btn-ghost" id="like-btn" data-signin href="\/\?next=%2Fv%2Fcats#auth"/);
    expect(res.body).toMatch(/<form id="comment-form" class="comment-form" hidden>/);
    expect(res.body).toContain('<input type="hidden" name="next" value="/v/cats">');
    expect(res.body).toContain('id="signin-dialog"');
  });

  it('a signed-in user gets rating buttons and the comment form; the api sees their session', async () => {
    const res = await web.inject({ url: '/v/cats', cookies: owner });
    expect(res.body).toMatch(/<button class="btn btn-ghost" type="button" id="like-btn" aria-pressed="false">/);
    expect(res.body).toMatch(/<form id="comment-form" class="comment-form" >/);
    expect(res.body).not.toContain('id="signin-dialog"');
    expect(api.seen.findLast((s) => s.url === '/videos/cats')!.session).toBe('owner-session');
  });

  it('escapes a hostile name, author, description and tag everywhere, the title and OpenGraph included', async () => {
    const body = await page200('/v/hostile');
    expect(body).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(meta(body, 'og:title')).toBe('&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expectNoInjectedMarkup(body);
    expect(body.match(/<script/g)).toHaveLength(2);
  });

  it.each([
    ['a hostile Host header', 'evil.example"><script>'],
    ['a Host header with a path', 'evil.example/x'],
  ])('falls back to the configured address for %s', async (_name, host) => {
    const res = await web.inject({ url: '/v/cats', headers: { host } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<link rel="canonical" href="http:\/\/127\.0\.0\.1:\d+\/v\/cats">/);
    expect(res.body).not.toContain('evil.example');
  });

  it.each([
    ['an unknown id', '/v/nope', undefined],
    ['a private video of someone else', '/v/secret', undefined],
    ['an over-long id', `/v/${'x'.repeat(300)}`, undefined],
    ['an id with odd characters', '/v/..%2F..%2Fetc', undefined],
  ])('%s is the site 404 page', async (_name, url, cookies) => {
    const res = await web.inject({ url, cookies });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('isn’t here');
    expect(res.body).toContain('class="topbar"');
  });

  it('the owner opens their private video (the session goes to the api)', async () => {
    const body = await page200('/v/secret', owner);
    expect(body).toContain('<title>My secret</title>');
    expect(body).toContain('<span class="badge badge-private">private</span>');
  });
});

describe('GET /u/:name (the channel)', () => {
  it('shows the profile and the public videos to a visitor', async () => {
    const body = await page200('/u/anna');
    expect(body).toContain('<title>anna · Reel</title>');
    expect(body).toContain('Joined March 4, 2026');
    expect(body).toContain('2 public videos');
    expect(body).toContain('href="/v/cats"');
    expect(body).not.toContain('href="/v/secret"');
    expectNoInjectedMarkup(body);
  });

  it('the owner also sees the private video, marked', async () => {
    const res = await web.inject({ url: '/u/anna', cookies: owner });
    expect(res.body).toContain('href="/v/secret"');
    expect(res.body).toMatch(/badge-private vcard-privacy">private</);
    expect(res.body).toContain('href="/userhome"');
  });

  it('no such user is the 404 page', async () => {
    const res = await web.inject({ url: '/u/nobody' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('This channel isn’t here');
  });
});

describe('GET /search', () => {
  it('shows the results as cards', async () => {
    const body = await page200('/search?q=cats');
    expect(body).toContain('Results for “cats”');
    expect(body).toContain('href="/v/cats"');
    expect(body).toContain('data-source="/api/search?q=cats"');
  });

  it('no results says so', async () => {
    const res = await web.inject({ url: '/search?q=zebra' });
    expect(res.body).toContain('No videos match that search.');
  });

  it.each(['/search', '/search?q=', '/search?q=%20%20'])('%s shows the search box only', async (url) => {
    const before = api.seen.length;
    const res = await web.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="search-q"');
    expect(res.body).not.toContain('id="video-grid"');
    expect(api.seen.slice(before).some((s) => s.url.startsWith('/search'))).toBe(false);
  });

  it('a query over 200 characters is a friendly message, not an error', async () => {
    const res = await web.inject({ url: `/search?q=${'a'.repeat(201)}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="search-too-long"');
  });

  it('escapes the query', async () => {
    const res = await web.inject({ url: `/search?q=${encodeURIComponent(HOSTILE)}` });
    expect(res.statusCode).toBe(200);
    expectNoInjectedMarkup(res.body);
  });
});

describe('when the api is down', () => {
  let down: FastifyInstance;
  beforeAll(async () => (down = await buildWebWithoutUpstreams()));
  afterAll(async () => down?.close());

  it.each(['/', '/?sort=hot', '/search?q=cats'])('%s is a page saying so', async (url) => {
    const res = await down.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('cannot reach its services');
  });

  it.each(['/v/cats', '/u/anna'])('%s is the friendly 503 page', async (url) => {
    const res = await down.inject({ url });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('right back');
  });
});
