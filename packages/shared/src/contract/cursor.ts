import { badRequest } from './errors.js';

export interface Cursor {
  /** The sort key of the page's last item: a time for newest-first lists, else the counter or score. */
  time: number;
  id: string;
}

/**
 * An opaque cursor: the (key, id) of the last item of a page, base64url-encoded. A list whose key is
 * not a time names its `kind` (`views`, `search`, …), so a cursor one list made is a 400 in another.
 */
export function encodeCursor(cursor: Cursor, kind?: string): string {
  const parts: unknown[] = kind === undefined ? [cursor.time, cursor.id] : [cursor.time, cursor.id, kind];
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function parseCursor(raw: string): unknown[] | null {
  try {
    if (raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Decodes a cursor from a query string; anything malformed, or made by a list of another kind, is a 400. */
export function decodeCursor(raw: string, kind?: string): Cursor {
  const p = parseCursor(raw);
  const kindOk = kind === undefined ? p?.length === 2 : p?.length === 3 && p[2] === kind;
  if (p && kindOk && Number.isSafeInteger(p[0]) && typeof p[1] === 'string' && p[1].length <= 64) {
    return { time: p[0] as number, id: p[1] };
  }
  throw badRequest('cursor is not valid');
}
