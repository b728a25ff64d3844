/** One satisfiable byte range, both ends inclusive and inside the file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a Range header asks of a file of `size` bytes (RFC 9110 §14.1–14.2):
 * - `ignore`: no header, another unit, or a syntax error — serve the whole representation;
 * - `unsatisfiable`: valid, but no range overlaps the file — 416 with `Content-Range: bytes *\/size`;
 * - `ranges`: the satisfiable ranges in request order, each clamped to the file.
 */
export type RangeResult = { type: 'ignore' } | { type: 'unsatisfiable' } | { type: 'ranges'; ranges: ByteRange[] };

const IGNORE: RangeResult = { type: 'ignore' };
const UNSATISFIABLE: RangeResult = { type: 'unsatisfiable' };
const DIGITS = /^\d+$/;

export function parseBytesRange(size: number, header: string | undefined): RangeResult {
  if (header === undefined) return IGNORE;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return IGNORE;
  const specs = header.slice(eq + 1).split(',');
  const ranges: ByteRange[] = [];
  let sawSpec = false;
  for (const raw of specs) {
    const spec = raw.trim();
    // The grammar allows empty list elements ("bytes=0-1,,2-3"), but not a list of nothing.
    if (spec === '') continue;
    sawSpec = true;
    const dash = spec.indexOf('-');
    if (dash < 0) return IGNORE;
    const first = spec.slice(0, dash).trim();
    const last = spec.slice(dash + 1).trim();
    if (first === '') {
      if (!DIGITS.test(last)) return IGNORE;
      const suffix = Number(last);
      if (suffix > 0 && size > 0) ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return IGNORE;
    const start = Number(first);
    const end = last === '' ? Infinity : Number(last);
    if (end < start) return IGNORE;
    if (start < size) ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (!sawSpec) return IGNORE;
  return ranges.length > 0 ? { type: 'ranges', ranges } : UNSATISFIABLE;
}

/**
 * True when several ranges are better answered with the whole file: overlapping ranges (a client
 * could otherwise make us send one region many times), very many ranges, or ranges that cover
 * nearly everything anyway.
 */
export function preferWholeFile(size: number, ranges: readonly ByteRange[], maxRanges = 16): boolean {
  if (ranges.length > maxRanges) return true;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    total += sorted[i].end - sorted[i].start + 1;
    if (i > 0 && sorted[i].start <= sorted[i - 1].end) return true;
  }
  return total >= size;
}
