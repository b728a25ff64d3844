import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, ifRangeAllows, parseBytesRange, preferWholeFile, type RangeResult } from '@video/shared/files';
import { sniffVideo } from '../../src/uploads/video-sniff.js';

const r = (...pairs: [number, number][]): RangeResult => ({ type: 'ranges', ranges: pairs.map(([start, end]) => ({ start, end })) });
const IGNORE: RangeResult = { type: 'ignore' };
const UNSAT: RangeResult = { type: 'unsatisfiable' };

describe('parseBytesRange', () => {
  it.each<[string, number, string | undefined, RangeResult]>([
    ['no header', 100, undefined, IGNORE],
    ['first-last', 100, 'bytes=0-9', r([0, 9])],
    ['one byte', 100, 'bytes=5-5', r([5, 5])],
    ['open ended', 100, 'bytes=90-', r([90, 99])],
    ['suffix', 100, 'bytes=-10', r([90, 99])],
    ['suffix longer than file', 100, 'bytes=-1000', r([0, 99])],
    ['last clamped to the end', 100, 'bytes=50-1000', r([50, 99])],
    ['unit is case-insensitive, spaces allowed', 100, 'Bytes = 1-2 , 4-5', r([1, 2], [4, 5])],
    ['multi keeps request order', 100, 'bytes=50-59,0-9', r([50, 59], [0, 9])],
    ['empty list elements are skipped', 100, 'bytes=0-1,,3-4', r([0, 1], [3, 4])],
    ['unsatisfiable ranges are dropped among good ones', 100, 'bytes=0-1,200-300', r([0, 1])],
    ['start past the end', 100, 'bytes=100-', UNSAT],
    ['start past the end, closed', 100, 'bytes=100-200', UNSAT],
    ['zero suffix', 100, 'bytes=-0', UNSAT],
    ['any range of an empty file', 0, 'bytes=0-', UNSAT],
    ['suffix of an empty file', 0, 'bytes=-5', UNSAT],
    ['other unit', 100, 'items=0-1', IGNORE],
    ['no equals sign', 100, 'bytes 0-1', IGNORE],
    ['no dash', 100, 'bytes=5', IGNORE],
    ['last before first', 100, 'bytes=9-1', IGNORE],
    ['negative start', 100, 'bytes=--5', IGNORE],
    ['not digits', 100, 'bytes=a-b', IGNORE],
    ['hex is not digits', 100, 'bytes=0x1-2', IGNORE],
    ['only commas', 100, 'bytes=,', IGNORE],
    ['empty spec', 100, 'bytes=', IGNORE],
    ['lone dash', 100, 'bytes=-', IGNORE],
    ['one bad spec spoils the header', 100, 'bytes=0-1,x-2', IGNORE],
    ['huge numbers clamp', 100, 'bytes=0-99999999999999999999999', r([0, 99])],
  ])('%s', (_name, size, header, expected) => {
    expect(parseBytesRange(size, header)).toEqual(expected);
  });
});

describe('preferWholeFile', () => {
  it.each<[string, number, [number, number][], boolean]>([
    ['two disjoint ranges', 100, [[0, 9], [20, 29]], false],
    ['overlapping ranges', 100, [[0, 50], [40, 60]], true],
    ['touching ranges overlap on a byte', 100, [[0, 10], [10, 20]], true],
    ['covers the whole file', 10, [[0, 4], [5, 9]], true],
    ['too many ranges', 1000, Array.from({ length: 17 }, (_, i): [number, number] => [i * 10, i * 10 + 1]), true],
  ])('%s', (_name, size, pairs, expected) => {
    expect(preferWholeFile(size, pairs.map(([start, end]) => ({ start, end })))).toBe(expected);
  });
});

describe('preconditions', () => {
  const v = { etag: '"abc"', mtimeSec: 1_700_000_000 };
  const date = (sec: number) => new Date(sec * 1000).toUTCString();
  it.each<[string, Record<string, string>, 200 | 304 | 412]>([
    ['no conditions', {}, 200],
    ['If-None-Match matches', { 'if-none-match': '"abc"' }, 304],
    ['If-None-Match matches weakly', { 'if-none-match': 'W/"abc"' }, 304],
    ['If-None-Match in a list', { 'if-none-match': '"x", "abc"' }, 304],
    ['If-None-Match star', { 'if-none-match': '*' }, 304],
    ['If-None-Match differs', { 'if-none-match': '"x"' }, 200],
    ['If-Modified-Since at mtime', { 'if-modified-since': date(v.mtimeSec) }, 304],
    ['If-Modified-Since before mtime', { 'if-modified-since': date(v.mtimeSec - 1) }, 200],
    ['If-Modified-Since invalid date is ignored', { 'if-modified-since': 'yesterday' }, 200],
    ['If-None-Match wins over If-Modified-Since', { 'if-none-match': '"x"', 'if-modified-since': date(v.mtimeSec) }, 200],
    ['If-Match matches', { 'if-match': '"abc"' }, 200],
    ['If-Match star', { 'if-match': '*' }, 200],
    ['If-Match differs', { 'if-match': '"x"' }, 412],
    ['If-Match weak never matches', { 'if-match': 'W/"abc"' }, 412],
    ['If-Unmodified-Since before mtime', { 'if-unmodified-since': date(v.mtimeSec - 1) }, 412],
    ['If-Unmodified-Since at mtime', { 'if-unmodified-since': date(v.mtimeSec) }, 200],
    ['If-Match wins over If-Unmodified-Since', { 'if-match': '"abc"', 'if-unmodified-since': date(0) }, 200],
    ['412 before 304', { 'if-match': '"x"', 'if-none-match': '"abc"' }, 412],
  ])('%s', (_name, headers, expected) => {
    expect(evaluatePreconditions(headers, v)).toBe(expected);
  });

  it.each<[string, string | undefined, boolean]>([
    ['absent', undefined, true],
    ['same strong tag', '"abc"', true],
    ['other tag', '"x"', false],
    ['weak tag', 'W/"abc"', false],
    ['exact date', date(v.mtimeSec), true],
    ['other date', date(v.mtimeSec + 1), false],
    ['garbage', 'soon', false],
  ])('If-Range %s', (_name, value, expected) => {
    expect(ifRangeAllows(value === undefined ? {} : { 'if-range': value }, v)).toBe(expected);
  });
});

describe('sniffVideo', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  const ts = Buffer.alloc(188 * 3);
  ts[0] = ts[188] = ts[376] = 0x47;
  it.each<[string, Buffer, string | undefined]>([
    ['MP4', bytes([0, 0, 0, 0x20], 'ftypisom'), 'video/mp4'],
    ['MOV', bytes([0, 0, 0, 0x14], 'ftypqt  '), 'video/quicktime'],
    ['old MOV', bytes([0, 0, 0, 8], 'wide'), 'video/quicktime'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'), 'video/webm'],
    ['Matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska'), 'video/x-matroska'],
    ['Ogg', bytes('OggS', [0, 2]), 'video/ogg'],
    ['AVI', bytes('RIFF', [1, 2, 3, 4], 'AVI LIST'), 'video/x-msvideo'],
    ['WAV is RIFF but not AVI', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '), undefined],
    ['FLV', bytes('FLV', [1, 5]), 'video/x-flv'],
    ['MPEG-TS', ts, 'video/mp2t'],
    ['one sync byte is not enough', bytes([0x47, 0x40, 0x11]), undefined],
    ['PNG', bytes([0x89], 'PNG', [13, 10, 26, 10]), undefined],
    ['text', bytes('hello world, not a video'), undefined],
    ['empty', Buffer.alloc(0), undefined],
  ])('%s', (_name, head, expected) => {
    expect(sniffVideo(head)).toBe(expected);
  });
});
