import { badRequest } from './errors.js';

export interface Cursor {
  time: number;
  id: string;
}

/** An opaque cursor: the (time, id) of the last item of a page, base64url-encoded. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.time, cursor.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor from a query string; anything malformed is a 400. */
export function decodeCursor(raw: string): Cursor {
  try {
    if (raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error('bad');
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      parsed[1].length <= 64
    ) {
      return { time: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // fall through to the 400 below
  }
  throw badRequest('cursor is not valid');
}
