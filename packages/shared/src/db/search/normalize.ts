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

/**
 * The query's distinct words, normalised; empty words dropped. Every one must match, so none is
 * dropped or cut: the caller bounds the query (search takes 1–200 characters, so at most 100 words,
 * which keeps the score of search-index.ts a safe integer).
 */
export function searchWords(q: string): string[] {
  const words = normalizeForSearch(q)
    .split(' ')
    .filter((w) => w !== '');
  return [...new Set(words)];
}
