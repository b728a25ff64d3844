import { badRequest } from '@video/shared';

/** The pool's wire tuple, as DPlayer's v3 backend serves it: [time, type, color, author, text]. */
export type DanmakuTuple = [number, number, number, string, string];

export const TEXT_MAX_CHARS = 100;
export const TYPE_NAMES = ['right', 'top', 'bottom'] as const;
export type TypeName = (typeof TYPE_NAMES)[number];

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** DPlayer draws pool items and list entries with innerHTML, so everything user-written leaves escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** 0 scroll / 1 top / 2 bottom; DPlayer's own names are accepted too. */
export function normalizeType(raw: number | string): number {
  if (typeof raw === 'number') {
    if (Number.isInteger(raw) && raw >= 0 && raw <= 2) return raw;
  } else {
    const i = TYPE_NAMES.indexOf(raw as TypeName);
    if (i >= 0) return i;
  }
  throw badRequest('type must be 0 (scroll), 1 (top), 2 (bottom) or "right", "top", "bottom"');
}

/** An integer 0..0xFFFFFF, or `#rgb` / `#rrggbb` (DPlayer's color2Number, done server-side). */
export function normalizeColor(raw: number | string): number {
  if (typeof raw === 'number') {
    if (Number.isInteger(raw) && raw >= 0 && raw <= 0xffffff) return raw;
  } else {
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(raw);
    if (m) {
      const hex = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
      return parseInt(hex, 16);
    }
  }
  throw badRequest('color must be an integer 0..16777215, "#rgb" or "#rrggbb"');
}

/** Seconds into the video: finite (JSON's 1e999 parses to Infinity) and not negative. */
export function normalizeTime(raw: number): number {
  if (!Number.isFinite(raw) || raw < 0) throw badRequest('time must be a finite number of seconds, at least 0');
  return raw;
}

/** 1–100 characters (code points) after trimming; line breaks become spaces, as a bullet is one line. */
export function normalizeText(raw: string): string {
  const text = raw.replace(/[\r\n\t]+/g, ' ').trim();
  const chars = [...text].length;
  if (chars < 1 || chars > TEXT_MAX_CHARS) throw badRequest(`text must be 1-${TEXT_MAX_CHARS} characters after trimming`);
  return text;
}

export function toTuple(row: { time: number; type: number; color: number; author: string; text: string }): DanmakuTuple {
  return [Number(row.time), Number(row.type), Number(row.color), escapeHtml(row.author), escapeHtml(row.text)];
}
