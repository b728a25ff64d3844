import { describe, expect, it } from 'vitest';
import { derivedFile, parseDerivedUrl, planDerived, servedGeneration, type DerivedFolder } from '../../src/derived/derived-plan.js';

const GEN = 'gmiabcdef-0123abcd';
const OTHER = 'gmiabcdef-ffffffff';

describe('derivedFile', () => {
  it.each<[DerivedFolder, string, string | undefined, string | undefined]>([
    ['root', 'poster.jpg', 'poster.jpg', 'image/jpeg'],
    ['root', 'thumb.jpg', 'thumb.jpg', 'image/jpeg'],
    ['root', 'storyboard.jpg', 'storyboard.jpg', 'image/jpeg'],
    ['hls', 'master.m3u8', 'master.m3u8', 'application/vnd.apple.mpegurl'],
    ['hls', '360.m3u8', '360.m3u8', 'application/vnd.apple.mpegurl'],
    ['hls', '720.mp4', '720.mp4', 'video/mp4'],
    ['hls', '2160.mp4', '2160.mp4', 'video/mp4'],
    ['root', 'master.m3u8', undefined, undefined],
    ['root', '360.mp4', undefined, undefined],
    ['hls', 'poster.jpg', undefined, undefined],
    ['hls', 'master.m3u8.bak', undefined, undefined],
    ['hls', '999999.mp4', undefined, undefined],
    ['hls', '0360.mp4', undefined, undefined],
    ['hls', '360.MP4', undefined, undefined],
    ['hls', '360.ts', undefined, undefined],
    ['hls', '../x', undefined, undefined],
    ['root', '../poster.jpg', undefined, undefined],
    ['root', 'poster.jpg/', undefined, undefined],
    ['root', 'Poster.jpg', undefined, undefined],
    ['root', '', undefined, undefined],
    ['hls', 'info.json', undefined, undefined],
  ])('%s %j → %j (%s)', (folder, segment, file, type) => {
    const got = derivedFile(folder, segment);
    expect(got?.file).toBe(file);
    expect(got?.contentType).toBe(type);
  });
});

describe('servedGeneration', () => {
  it.each<[string | null, 'public' | 'unlisted' | 'private', string | undefined, string | undefined]>([
    [GEN, 'public', undefined, 'no-cache'],
    [GEN, 'unlisted', undefined, 'no-cache'],
    [GEN, 'private', undefined, 'private, no-cache'],
    [GEN, 'public', GEN, 'public, max-age=31536000, immutable'],
    [GEN, 'unlisted', GEN, 'public, max-age=31536000, immutable'],
    [GEN, 'private', GEN, 'private, max-age=31536000, immutable'],
    [GEN, 'public', OTHER, undefined],
    [GEN, 'public', '', undefined],
    [GEN, 'public', GEN.toUpperCase(), undefined],
    [null, 'public', undefined, undefined],
    [null, 'public', GEN, undefined],
    ['../../etc', 'public', undefined, undefined],
    ['../../etc', 'public', '../../etc', undefined],
  ])('media_gen %j, %s, g=%j → %j', (mediaGen, privacy, g, cacheControl) => {
    const got = servedGeneration({ media_gen: mediaGen, privacy }, g);
    expect(got?.cacheControl).toBe(cacheControl);
    if (got) expect(got.gen).toBe(mediaGen);
  });
});

describe('planDerived', () => {
  it('names the file under .media/<id>/<gen>/ by the layout', () => {
    expect(planDerived('abc', { media_gen: GEN, privacy: 'public' }, 'hls', '360.mp4', GEN)).toEqual({
      name: `.media/abc/${GEN}/360.mp4`,
      contentType: 'video/mp4',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(planDerived('abc', { media_gen: GEN, privacy: 'public' }, 'root', 'thumb.jpg', undefined)?.name).toBe(`.media/abc/${GEN}/thumb.jpg`);
  });

  it('is undefined for an unknown name or another generation', () => {
    expect(planDerived('abc', { media_gen: GEN, privacy: 'public' }, 'hls', 'x.mp4', GEN)).toBeUndefined();
    expect(planDerived('abc', { media_gen: GEN, privacy: 'public' }, 'hls', '360.mp4', OTHER)).toBeUndefined();
  });
});

describe('parseDerivedUrl (the fast path)', () => {
  it.each<[string, ReturnType<typeof parseDerivedUrl>]>([
    ['/videos/abc/poster.jpg', { id: 'abc', folder: 'root', segment: 'poster.jpg', g: undefined }],
    [`/videos/abc/hls/360.mp4?g=${GEN}`, { id: 'abc', folder: 'hls', segment: '360.mp4', g: GEN }],
    ['/videos/abc/hls/master.m3u8', { id: 'abc', folder: 'hls', segment: 'master.m3u8', g: undefined }],
    [`/videos/abc/hls/360.mp4?g=${GEN}&x=1`, undefined],
    [`/videos/abc/hls/360.mp4?x=1&g=${GEN}`, undefined],
    ['/videos/abc/hls/360.mp4?g=', undefined],
    ['/videos/abc/hls/360.mp4?', undefined],
    ['/videos/abc', undefined],
    ['/videos/abc/captions/en.vtt', undefined],
    ['/videos/abc/x/y/z', undefined],
  ])('%s', (url, expected) => {
    expect(parseDerivedUrl(url)).toEqual(expected);
  });
});
