/** A generation's name: sortable by time, unique, and never a video id's shape clash (it is a folder). */
export const GENERATION_RE = /^g[0-9a-z]{8,12}-[0-9a-f]{8}$/;

/** Where in a video's URL space a derived file is named: `/videos/:vid/<name>` or `/videos/:vid/hls/<name>`. */
export type DerivedFolder = 'root' | 'hls';

/**
 * The parts of a derived file's URL as the fast paths take them: `/videos/<id>/<name>` or
 * `/videos/<id>/hls/<name>`, with no query or exactly `?g=<generation>`. Anything else (an
 * encoding, another parameter, captions) is undefined and goes to the routes, which validate it.
 * Neither the id nor the name is checked here.
 */
export function parseDerivedUrl(url: string): { id: string; folder: DerivedFolder; segment: string; g: string | undefined } | undefined {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  let g: string | undefined;
  if (q >= 0) {
    const query = url.slice(q + 1);
    if (!query.startsWith('g=')) return undefined;
    g = query.slice(2);
    if (!GENERATION_RE.test(g)) return undefined;
  }
  const parts = pathname.split('/');
  // ['', 'videos', id, name] or ['', 'videos', id, 'hls', name]
  if (parts.length === 4) return { id: parts[2], folder: 'root', segment: parts[3], g };
  if (parts.length === 5 && parts[3] === 'hls') return { id: parts[2], folder: 'hls', segment: parts[4], g };
  return undefined;
}
