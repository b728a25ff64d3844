/** The validators of the representation being served. */
export interface Validators {
  etag: string;
  /** Last-Modified in whole seconds since the epoch. */
  mtimeSec: number;
}

type Headers = Record<string, string | string[] | undefined>;

function one(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(',') : h;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Whether an If-Match / If-None-Match list matches the current tag (weak comparison unless strong). */
function listMatches(list: string, etag: string, strong: boolean): boolean {
  const value = list.trim();
  if (value === '*') return true;
  for (const raw of value.split(',')) {
    const tag = raw.trim();
    if (strong) {
      if (tag === etag && !tag.startsWith('W/')) return true;
    } else if (opaque(tag) === opaque(etag)) {
      return true;
    }
  }
  return false;
}

function dateSec(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * RFC 9110 §13.2.2 for a GET or HEAD of an existing representation: 412 when If-Match (or, without
 * it, If-Unmodified-Since) fails; 304 when If-None-Match (or, without it, If-Modified-Since) says
 * the client's copy is current; 200 to go on (to If-Range and Range).
 */
export function evaluatePreconditions(headers: Headers, v: Validators): 200 | 304 | 412 {
  const ifMatch = one(headers['if-match']);
  if (ifMatch !== undefined) {
    if (!listMatches(ifMatch, v.etag, true)) return 412;
  } else {
    const since = dateSec(one(headers['if-unmodified-since']));
    if (since !== undefined && v.mtimeSec > since) return 412;
  }
  const ifNoneMatch = one(headers['if-none-match']);
  if (ifNoneMatch !== undefined) {
    if (listMatches(ifNoneMatch, v.etag, false)) return 304;
  } else {
    const since = dateSec(one(headers['if-modified-since']));
    if (since !== undefined && v.mtimeSec <= since) return 304;
  }
  return 200;
}

/**
 * RFC 9110 §13.1.5: whether a Range request may be honoured. An entity tag must match strongly; a
 * date must equal Last-Modified exactly. Anything else means "send the whole representation".
 */
export function ifRangeAllows(headers: Headers, v: Validators): boolean {
  const value = one(headers['if-range'])?.trim();
  if (value === undefined) return true;
  if (value.startsWith('"') || value.startsWith('W/')) return value === v.etag;
  const sec = dateSec(value);
  return sec !== undefined && sec === v.mtimeSec;
}
