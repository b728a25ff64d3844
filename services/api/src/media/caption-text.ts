import { createHash } from 'node:crypto';
import { badRequest } from '@video/shared';

/** The two formats a caption upload may be in (its Content-Type says which). */
export type CaptionFormat = 'vtt' | 'srt';

export const MAX_CAPTION_BYTES = 1024 * 1024;

/** A WebVTT cue timing line: `[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]`. */
const VTT_TIMING_RE = /^(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}[ \t]+-->[ \t]+(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}(?:[ \t].*)?$/;
/**
 * A SubRip timing line: `hh:mm:ss,ttt --> hh:mm:ss,ttt`, optionally followed by the old
 * `X1:… Y2:…` position hints (dropped: WebVTT has its own settings). A dot instead of the comma
 * and a one-digit hour, both common in the wild, are accepted.
 */
const SRT_TIMING_RE = /^(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})[ \t]+-->[ \t]+(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})(?:[ \t].*)?$/;
const VTT_HEADER_RE = /^WEBVTT(?:[ \t].*)?$/;

interface Block {
  /** 1-based line number of the block's first line in the body. */
  line: number;
  lines: string[];
}

/** A caption body as text: UTF-8 (anything else is a 400), without its byte-order mark. */
export function decodeCaptionBody(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('the caption body is not UTF-8 text');
  }
}

/** Blocks separated by blank lines (`blank` says which lines count as blank). */
function blocks(text: string, blank: (line: string) => boolean): Block[] {
  const out: Block[] = [];
  let current: Block | null = null;
  text.split('\n').forEach((line, i) => {
    if (blank(line)) {
      current = null;
      return;
    }
    if (!current) {
      current = { line: i + 1, lines: [] };
      out.push(current);
    }
    current.lines.push(line);
  });
  return out;
}

function pad(n: string, width: number): string {
  return n.padStart(width, '0');
}

/**
 * WebVTT as sent, checked: the `WEBVTT` header, every line holding `-->` a well-formed timing line
 * in a cue's first or second line (cue text may not contain `-->`), and at least one cue.
 */
function checkedVtt(text: string): string {
  const all = blocks(text, (l) => l === '');
  const [header, ...rest] = all;
  if (!header || header.line !== 1 || !VTT_HEADER_RE.test(header.lines[0] ?? '')) {
    throw badRequest('a WebVTT body starts with the line "WEBVTT"');
  }
  const badHeader = header.lines.findIndex((l) => l.includes('-->'));
  if (badHeader >= 0) throw badRequest(`line ${badHeader + 1}: a blank line must separate the header from the first cue`);
  let cues = 0;
  for (const block of rest) {
    block.lines.forEach((l, i) => {
      if (!l.includes('-->')) return;
      if (i > 1 || !VTT_TIMING_RE.test(l)) throw badRequest(`line ${block.line + i}: not a WebVTT cue timing line (like 00:01.000 --> 00:02.500)`);
      cues += 1;
    });
  }
  if (cues === 0) throw badRequest('the WebVTT body has no cue');
  return `${text.trimEnd()}\n`;
}

/** One SubRip cue as WebVTT: its numeric id kept, the timing's comma a dot, hours two digits. */
function srtCue(block: Block): string {
  const hasId = /^\d+$/.test(block.lines[0]?.trim() ?? '');
  const timingAt = hasId ? 1 : 0;
  const m = SRT_TIMING_RE.exec(block.lines[timingAt]?.trim() ?? '');
  if (!m) throw badRequest(`line ${block.line + timingAt}: expected a SubRip timing line (like 00:00:01,000 --> 00:00:02,500)`);
  const time = (h: string, mm: string, ss: string, ms: string) => `${pad(h, 2)}:${mm}:${ss}.${ms}`;
  const timing = `${time(m[1], m[2], m[3], m[4])} --> ${time(m[5], m[6], m[7], m[8])}`;
  // WebVTT cue text may not hold "-->"; the entity shows the same characters.
  const text = block.lines.slice(timingAt + 1).map((l) => l.replaceAll('-->', '--&gt;'));
  return [...(hasId ? [(block.lines[0] ?? '').trim()] : []), timing, ...text].join('\n');
}

function convertedSrt(text: string): string {
  if (VTT_HEADER_RE.test(text.split('\n', 1)[0] ?? '')) throw badRequest('the body is WebVTT: send it as text/vtt');
  const cues = blocks(text, (l) => l.trim() === '').map(srtCue);
  if (cues.length === 0) throw badRequest('the SubRip body has no cue');
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}

/**
 * A caption upload as the WebVTT stored and served, or a 400 saying what is wrong with it. Line
 * ends become LF; NULs are replaced as a WebVTT parser would.
 */
export function toWebVtt(body: string, format: CaptionFormat): string {
  const text = body.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD');
  return format === 'vtt' ? checkedVtt(text) : convertedSrt(text);
}

/** The ETag of a stored track: a hash prefix of its text. */
export function captionEtag(vtt: string): string {
  return createHash('sha256').update(vtt).digest('hex').slice(0, 32);
}
