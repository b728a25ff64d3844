/** One byte range of the rendition's fMP4 file. */
export interface ByteRange {
  offset: number;
  length: number;
}
export interface MediaSegment extends ByteRange {
  duration: number;
}
export interface MediaPlaylist {
  /** The init section (EXT-X-MAP), null when the playlist names none. */
  map: ByteRange | null;
  segments: MediaSegment[];
}

/** `len@off` (`@off` optional: then the range follows the previous one). */
function parseRange(text: string, next: number): ByteRange {
  const m = /^(\d+)(?:@(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`bad BYTERANGE "${text}"`);
  return { length: Number(m[1]), offset: m[2] === undefined ? next : Number(m[2]) };
}

/** The init range and the segments (duration and byte range) of a single-file media playlist. */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  let map: ByteRange | null = null;
  const segments: MediaSegment[] = [];
  let duration: number | null = null;
  let range: ByteRange | null = null;
  let next = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MAP:')) {
      const br = /BYTERANGE="([^"]+)"/.exec(line);
      map = br ? parseRange(br[1]!, 0) : null;
      if (map) next = map.offset + map.length;
    } else if (line.startsWith('#EXTINF:')) {
      duration = Number.parseFloat(line.slice(8));
    } else if (line.startsWith('#EXT-X-BYTERANGE:')) {
      range = parseRange(line.slice(17), next);
    } else if (line !== '' && !line.startsWith('#')) {
      if (duration === null || range === null) throw new Error('a segment without EXTINF or BYTERANGE');
      segments.push({ duration, ...range });
      next = range.offset + range.length;
      duration = null;
      range = null;
    }
  }
  return { map, segments };
}

/** Every URI (EXT-X-MAP's and each segment's) becomes `<media>?g=<gen>`, so caches key on the generation. */
export function rewriteMediaPlaylist(text: string, media: string, gen: string): string {
  const uri = `${media}?g=${encodeURIComponent(gen)}`;
  return text
    .split(/\r?\n/)
    .map((line) => {
      if (line.startsWith('#EXT-X-MAP:')) return line.replace(/URI="[^"]*"/, `URI="${uri}"`);
      return line.trim() !== '' && !line.startsWith('#') ? uri : line;
    })
    .join('\n');
}

/** BANDWIDTH: the peak segment bit rate (bits/s), as HLS defines it; AVERAGE-BANDWIDTH: the mean. */
export function playlistBandwidth(p: MediaPlaylist): { peak: number; average: number } {
  let peak = 0;
  let bytes = 0;
  let seconds = 0;
  for (const s of p.segments) {
    if (s.duration > 0) peak = Math.max(peak, (s.length * 8) / s.duration);
    bytes += s.length;
    seconds += s.duration;
  }
  return { peak: Math.ceil(peak), average: seconds > 0 ? Math.ceil((bytes * 8) / seconds) : 0 };
}

export function longestSegment(p: MediaPlaylist): number {
  return p.segments.reduce((m, s) => Math.max(m, s.duration), 0);
}
