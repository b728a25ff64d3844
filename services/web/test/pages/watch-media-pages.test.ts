import { describe, expect, it } from 'vitest';
import { HLS_SCRIPT } from '../../src/pages/assets-plugin.js';
import { captionTracks, generationOf, mediaView, processingStatus } from '../../src/pages/watch-media.js';
import { thumbPath, toCard } from '../../src/pages/page-models.js';
import { pageOf, usePagesSite } from './fake-public-api.js';

const site = usePagesSite({ player_logo: '/statics/img/logo.svg' });
const owner = { session: 'owner-session' };
const page = (url: string, cookies?: Record<string, string>) => pageOf(site, url, cookies);

/** The value of one `data-*` attribute of the page's #app. */
const data = (html: string, name: string) => new RegExp(`data-${name}="([^"]*)"`).exec(html)?.[1];
/** Whether the element with that id carries the `hidden` attribute. */
const hiddenEl = (html: string, id: string) => new RegExp(`id="${id}"[^>]*\\shidden[\\s>]`).test(html);

describe('the watch page, by processing state', () => {
  it('done: the HLS master, the storyboard of the poster’s generation, the logo and hls.js', async () => {
    const body = await page('/v/hlsReady');
    expect(data(body, 'state')).toBe('done');
    expect(data(body, 'master')).toBe('/videos/hlsReady/hls/master.m3u8');
    expect(data(body, 'storyboard')).toBe('/videos/hlsReady/storyboard.jpg?g=g0abc1234-0badf00d');
    expect(data(body, 'poster')).toBe('/videos/hlsReady/poster.jpg?g=g0abc1234-0badf00d');
    expect(data(body, 'logo')).toBe('/statics/img/logo.svg');
    expect(body).toContain(`<script src="${HLS_SCRIPT}" defer></script>`);
    expect(hiddenEl(body, 'processing-panel')).toBe(true);
  });

  it('done: the captions are listed by language and offered in the caption select, the first one on', async () => {
    const body = await page('/v/hlsReady');
    expect(body).toContain('<a href="/videos/hlsReady/captions/en.vtt" hreflang="en" data-lang="en">English</a>');
    expect(body).toContain('data-lang="zh-Hans">Simplified Chinese</a>');
    expect(body).toMatch(/<option value="\/videos\/hlsReady\/captions\/en.vtt" lang="en" selected>English<\/option>/);
    expect(body).not.toContain('evil.example');
    expect(hiddenEl(body, 'caption-field')).toBe(false);
  });

  it.each([
    ['running', 'Processing 42 %', 'video/x-matroska'],
    ['queued', 'Waiting to be processed', 'video/mp4'],
  ])('%s: the status (role=status, aria-live) and the original’s type; no hls.js yet', async (id, text, type) => {
    const body = await page(`/v/${id}`);
    expect(body).toContain(`<p class="pending-title" id="processing-status" role="status" aria-live="polite">${text}</p>`);
    expect(data(body, 'state')).toBe(id);
    expect(data(body, 'content-type')).toBe(type);
    expect(data(body, 'hls-src')).toBe(HLS_SCRIPT);
    expect(body).not.toContain(`<script src="${HLS_SCRIPT}"`);
    expect(hiddenEl(body, 'processing-panel')).toBe(false);
    expect(hiddenEl(body, 'caption-field')).toBe(true);
  });

  it('failed: the reason, escaped; the owner gets "Process again", a visitor does not', async () => {
    const visitor = await page('/v/failed');
    expect(visitor).toContain('Processing failed: no video stream &lt;x&gt;');
    expect(visitor).toContain('The video could not be prepared for playback.');
    expect(visitor).not.toContain('id="reprocess-btn"');
    const mine = await page('/v/failed', owner);
    expect(mine).toMatch(/<button class="btn btn-primary" type="button" id="reprocess-btn" >Process again<\/button>/);
  });

  it('no processing yet: no status, the original plays', async () => {
    const body = await page('/v/cats');
    expect(data(body, 'state')).toBe('none');
    expect(hiddenEl(body, 'processing-panel')).toBe(true);
    expect(body).not.toContain('id="caption-list"');
  });

  it('serves hls.js from its package under a versioned path, cached for a year', async () => {
    const res = await site.web.inject({ url: HLS_SCRIPT });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body).toContain('hlsManifestParsed');
    expect((await site.web.inject({ url: HLS_SCRIPT.replace('hls.light.min.js', 'hls.js') })).statusCode).toBe(404);
    expect((await site.web.inject({ url: HLS_SCRIPT.replace('hls.light.min.js', '..%2Fpackage.json') })).statusCode).toBe(404);
  });
});

describe('watch-media (pure)', () => {
  it.each([
    [null, ''],
    [{ state: 'queued' as const, progress: 0 }, 'Waiting to be processed'],
    [{ state: 'running' as const, progress: 41.6 }, 'Processing 42 %'],
    [{ state: 'running' as const, progress: 250 }, 'Processing 100 %'],
    [{ state: 'failed' as const, progress: 3, error: 'bad file' }, 'Processing failed: bad file'],
    [{ state: 'failed' as const, progress: 3, error: null }, 'Processing failed'],
    [{ state: 'done' as const, progress: 100 }, ''],
  ])('processingStatus(%j) = %j', (processing, text) => {
    expect(processingStatus(processing)).toBe(text);
  });

  it.each([
    ['/videos/a/poster.jpg?g=g1-2', 'g1-2'],
    ['/videos/a/poster.jpg', ''],
    ['/videos/a/poster.jpg?g=<x>', ''],
  ])('generationOf(%s) = %j', (poster, gen) => expect(generationOf(poster)).toBe(gen));

  it.each([
    ['/videos/a/poster.jpg?g=g1-2', '/videos/a/thumb.jpg?g=g1-2'],
    ['/videos/a/poster.jpg', '/videos/a/thumb.jpg'],
    ['/custom/picture.png', '/custom/picture.png'],
    [null, '/statics/img/poster.svg'],
    ['//evil.example/poster.jpg', '/statics/img/poster.svg'],
  ])('the card of poster %j uses %s', (poster, thumb) => {
    expect(thumbPath(poster)).toBe(thumb);
    expect(toCard({ id: 'a', name: 'A', poster }).poster).toBe(thumb);
  });

  it('keeps only own caption paths, labelled and sorted by language name; a bad logo is dropped', () => {
    const tracks = captionTracks([
      { lang: 'zh-Hans', url: '/videos/a/captions/zh-Hans.vtt' },
      { lang: 'de', url: '/videos/a/captions/de.vtt' },
      { lang: 'en', url: 'javascript:alert(1)' },
    ]);
    expect(tracks.map((t) => t.label)).toEqual(['German', 'Simplified Chinese']);
    expect(mediaView({ id: 'a', name: 'A' }, [], '//evil.example/logo.png').logo).toBe('');
    expect(mediaView({ id: 'a b', name: 'A' }, [], '').master).toBe('/videos/a%20b/hls/master.m3u8');
  });
});
