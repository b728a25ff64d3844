import { describe, expect, it } from 'vitest';
import { AppError, canonicalCaptionLang } from '@video/shared';
import { captionEtag, decodeCaptionBody, toWebVtt } from '../../src/media/caption-text.js';

const badRequest = (fn: () => unknown, message: RegExp) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).statusCode).toBe(400);
    expect((err as AppError).message).toMatch(message);
    return;
  }
  throw new Error('expected a 400');
};

describe('SubRip to WebVTT', () => {
  it('converts cues exactly: header, comma to dot, ids kept, position hints dropped, one blank line between cues', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,500\nHello\nworld\n\n2\n00:01:02,003 --> 01:00:00,000 X1:10 X2:20 Y1:5 Y2:9\n<i>bye</i>\n';
    expect(toWebVtt(srt, 'srt')).toBe(
      'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello\nworld\n\n2\n00:01:02.003 --> 01:00:00.000\n<i>bye</i>\n',
    );
  });

  it('takes CRLF, a BOM, blank lines of spaces, extra blank lines and no trailing newline', () => {
    const srt = '\uFEFF1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n  \r\n\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nB';
    expect(toWebVtt(srt, 'srt')).toBe('WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nA\n\n2\n00:00:03.000 --> 00:00:04.000\nB\n');
  });

  it('accepts cues without a number, a one-digit hour and a dot, and escapes "-->" in text', () => {
    const srt = '0:00:01.000 --> 0:00:02.000\na --> b\n';
    expect(toWebVtt(srt, 'srt')).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na --&gt; b\n');
  });

  it('keeps a cue with no text', () => {
    expect(toWebVtt('7\n00:00:01,000 --> 00:00:02,000\n', 'srt')).toBe('WEBVTT\n\n7\n00:00:01.000 --> 00:00:02.000\n');
  });

  it.each([
    ['empty', '', /no cue/],
    ['only blank lines', '\n \n\n', /no cue/],
    ['plain text', 'just some words\nand more', /line 1: expected a SubRip timing line/],
    ['a number and no timing', '1\nHello\n', /line 2: expected a SubRip timing line/],
    ['a broken second cue', '1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:61,000 --> 00:00:62,000\nB\n', /line 6/],
    ['milliseconds of two digits', '1\n00:00:01,00 --> 00:00:02,000\nA\n', /line 2/],
    ['WebVTT sent as SubRip', 'WEBVTT\n\n00:01.000 --> 00:02.000\nA\n', /send it as text\/vtt/],
  ])('400 for %s', (_l, body, message) => {
    badRequest(() => toWebVtt(body, 'srt'), message);
  });
});

describe('WebVTT checked', () => {
  it('stores the text as sent, with LF line ends and one final newline', () => {
    const vtt = '\uFEFFWEBVTT - a title\r\nKind: captions\r\n\r\nNOTE a comment\r\n\r\nintro\r\n00:01.000 --> 00:02.500 align:start\r\nHi\r\n\r\n\r\n';
    expect(toWebVtt(vtt, 'vtt')).toBe('WEBVTT - a title\nKind: captions\n\nNOTE a comment\n\nintro\n00:01.000 --> 00:02.500 align:start\nHi\n');
  });

  it('accepts hours and a cue right after the header block', () => {
    expect(toWebVtt('WEBVTT\n\n100:00:01.000 --> 100:00:02.000\nA', 'vtt')).toBe('WEBVTT\n\n100:00:01.000 --> 100:00:02.000\nA\n');
  });

  it('replaces NUL characters as a WebVTT parser would', () => {
    expect(toWebVtt('WEBVTT\n\n00:01.000 --> 00:02.000\na\0b\n', 'vtt')).toBe('WEBVTT\n\n00:01.000 --> 00:02.000\na\uFFFDb\n');
  });

  it.each([
    ['empty', '', /starts with the line "WEBVTT"/],
    ['no header', '00:01.000 --> 00:02.000\nA\n', /starts with the line "WEBVTT"/],
    ['a header glued to a word', 'WEBVTTX\n\n00:01.000 --> 00:02.000\nA\n', /starts with the line "WEBVTT"/],
    ['a header after a blank line', '\nWEBVTT\n\n00:01.000 --> 00:02.000\nA\n', /starts with the line "WEBVTT"/],
    ['SubRip sent as WebVTT', '1\n00:00:01,000 --> 00:00:02,000\nA\n', /starts with the line "WEBVTT"/],
    ['a header and no cue', 'WEBVTT\n\nNOTE nothing here\n', /no cue/],
    ['a comma in the timing', 'WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nA\n', /line 3: not a WebVTT cue timing line/],
    ['sixty seconds', 'WEBVTT\n\n00:60.000 --> 01:02.000\nA\n', /line 3/],
    ['"-->" in cue text', 'WEBVTT\n\n00:01.000 --> 00:02.000\nA\nB\nc --> d\n', /line 6/],
    ['a cue inside the header block', 'WEBVTT\n00:01.000 --> 00:02.000\nA\n', /line 2: a blank line must separate/],
  ])('400 for %s', (_l, body, message) => {
    badRequest(() => toWebVtt(body, 'vtt'), message);
  });
});

describe('caption bodies and tags', () => {
  it('decodes UTF-8 and drops the byte-order mark; anything else is a 400', () => {
    expect(decodeCaptionBody(Buffer.from('\uFEFFWEBVTT 字幕', 'utf8'))).toBe('WEBVTT 字幕');
    badRequest(() => decodeCaptionBody(Buffer.from([0x57, 0x45, 0xff, 0xfe, 0x00])), /not UTF-8/);
  });

  it('an etag is a hex hash prefix that changes with the text', () => {
    expect(captionEtag('WEBVTT\n')).toMatch(/^[0-9a-f]{32}$/);
    expect(captionEtag('WEBVTT\n')).toBe(captionEtag('WEBVTT\n'));
    expect(captionEtag('WEBVTT\n')).not.toBe(captionEtag('WEBVTT \n'));
  });

  it.each([
    ['en', 'en'],
    ['EN', 'en'],
    ['en-us', 'en-US'],
    ['ZH-HANS', 'zh-Hans'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['es-419', 'es-419'],
    ['sl-ROZAJ', 'sl-rozaj'],
    ['de-DE-1996', 'de-DE-1996'],
    ['yue', 'yue'],
  ])('%s is the canonical %s', (raw, canonical) => {
    expect(canonicalCaptionLang(raw)).toBe(canonical);
  });

  it.each(['', 'e', 'english', 'en_US', 'en-', 'en--us', 'x-klingon', 'en-a-b', 'en-US-x-y-z', '../en', 'en.vtt', 'ру'])('%j is no caption language', (raw) => {
    expect(canonicalCaptionLang(raw)).toBeNull();
  });
});
