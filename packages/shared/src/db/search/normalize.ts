/**
 * What search compares: NFKD, without combining marks (é → e), lower case, whitespace collapsed.
 * Applied to the stored documents and to the query's words alike, so `CAFÉ` finds `café` on
 * either database whatever its collation.
 */
export function normalizeForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The query's words (at most 8, each at most 64 characters), normalised; empty words dropped. */
export function searchWords(q: string): string[] {
  const words = normalizeForSearch(q)
    .split(' ')
    .filter((w) => w !== '');
  return [...new Set(words)].slice(0, 8).map((w) => w.slice(0, 64));
}
