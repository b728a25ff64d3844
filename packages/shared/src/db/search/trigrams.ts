/**
 * Trigrams of normalised search text: three consecutive characters (code points). A query word
 * never holds a space, so trigrams with one are of no use and are left out.
 */
export function trigramsOf(text: string): string[] {
  const chars = [...text];
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) {
    const gram = chars[i] + chars[i + 1] + chars[i + 2];
    if (!gram.includes(' ')) grams.add(gram);
  }
  return [...grams];
}

/** Distinct trigrams of a document's fields (none spans two fields), in byte order. */
export function documentTrigrams(fields: readonly string[]): Buffer[] {
  const all = new Set(fields.flatMap(trigramsOf));
  return [...all].map((g) => Buffer.from(g, 'utf8')).sort(Buffer.compare);
}

/** Documents per bitmap row of video_search_grams (migration 023): 256 bytes. */
export const CHUNK_BITS = 2048;

/** Where a document's bit lives: its row (chunk), 1-based byte position in the row, and mask. */
export function bitOf(seq: number): { chunk: number; pos: number; mask: number } {
  const offset = seq % CHUNK_BITS;
  return { chunk: Math.floor(seq / CHUNK_BITS), pos: (offset >> 3) + 1, mask: 1 << (offset & 7) };
}
