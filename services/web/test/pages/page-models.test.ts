import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, formatViews, posterPath, safeNext, siteOrigin } from '../../src/pages/page-models.js';

describe('formatting for cards', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    [-1, ''],
    [Number.NaN, ''],
    [0, '0:00'],
    [75.4, '1:15'],
    [3600, '1:00:00'],
    [3725, '1:02:05'],
  ])('duration %s → %j', (seconds, text) => expect(formatDuration(seconds)).toBe(text));

  it.each([
    [undefined, '0 views'],
    [0, '0 views'],
    [1, '1 view'],
    [1234, '1,234 views'],
    [1_000_000, '1M views'],
    [2_450_000, '2.5M views'],
  ])('views %s → %j', (n, text) => expect(formatViews(n)).toBe(text));

  const now = Date.parse('2026-06-01T12:00:00Z');
  it.each([
    [undefined, ''],
    ['not a date', ''],
    ['2026-06-01T11:59:30Z', 'just now'],
    ['2026-06-01T13:00:00Z', 'just now'],
    ['2026-06-01T11:59:00Z', '1 minute ago'],
    ['2026-06-01T07:00:00Z', '5 hours ago'],
    ['2026-05-29T12:00:00Z', '3 days ago'],
    ['2026-05-18T12:00:00Z', '2 weeks ago'],
    ['2024-05-01T12:00:00Z', '2 years ago'],
  ])('age of %s → %j', (iso, text) => expect(formatAge(iso, now)).toBe(text));

  it.each([
    ['/videos/a/poster.jpg', '/videos/a/poster.jpg'],
    [null, '/statics/img/poster.svg'],
    ['//evil.example/x.jpg', '/statics/img/poster.svg'],
    ['https://evil.example/x.jpg', '/statics/img/poster.svg'],
    ['/a b.jpg', '/statics/img/poster.svg'],
  ])('poster %j → %j', (poster, path) => expect(posterPath(poster)).toBe(path));
});

describe('safeNext', () => {
  it.each([
    ['/v/abc-123_X', '/v/abc-123_X'],
    ['/v/', undefined],
    ['/v/a/b', undefined],
    ['/v/a?x=1', undefined],
    ['//evil.example/v/a', undefined],
    ['https://evil.example/v/a', undefined],
    ['/userhome', undefined],
    ['/v/%2e%2e', undefined],
    [42, undefined],
    ['/feed', '/feed'],
    ['/feed/x', undefined],
    ['/messages', '/messages'],
    ['/messages?with=bob', '/messages?with=bob'],
    ['/messages?with=%E5%BC%A0%E4%B8%89', '/messages?with=%E5%BC%A0%E4%B8%89'],
    ['/messages?with=a&x=//evil', undefined],
    ['/?sort=foryou', '/?sort=foryou'],
    ['/?sort=hot', undefined],
    ['/u/anna', '/u/anna'],
    ['/u/a/b', undefined],
    ['/settings', '/settings'],
    ['/settings/x', undefined],
    ['/library', '/library'],
    ['/library?tab=history', '/library?tab=history'],
    ['/library?tab=//evil', undefined],
    ['/admin', '/admin'],
    ['/admin/users', '/admin/users'],
    ['/admin//evil.example', undefined],
  ])('%j → %j', (next, out) => expect(safeNext(next)).toBe(out));
});

describe('siteOrigin', () => {
  it.each([
    ['http', 'reel.example', 'http://reel.example'],
    ['https', 'Reel.Example:8443', 'https://reel.example:8443'],
    ['http', '[::1]:9006', 'http://[::1]:9006'],
    ['gopher', 'reel.example', 'http://reel.example'],
    ['http', 'evil"><x', 'http://127.0.0.1:9006'],
    ['http', 'a.example/path', 'http://127.0.0.1:9006'],
    ['http', undefined, 'http://127.0.0.1:9006'],
  ])('%s + %j → %s', (protocol, host, origin) => expect(siteOrigin(protocol, host, '127.0.0.1:9006')).toBe(origin));
});
