/** How many leading bytes sniffVideo wants to see (enough for two MPEG-TS sync bytes). */
export const SNIFF_BYTES = 512;

const TS_PACKET = 188;

function ascii(buf: Uint8Array, at: number, text: string): boolean {
  if (buf.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** QuickTime files written without an ftyp box start with one of these atoms. */
const QUICKTIME_ATOMS = ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'];

/**
 * The content type of a video container recognised by its leading bytes, or undefined when the
 * bytes are no known video container. Only the container is checked, not the codecs inside.
 */
export function sniffVideo(head: Uint8Array): string | undefined {
  if (ascii(head, 4, 'ftyp')) {
    if (ascii(head, 8, 'qt  ')) return 'video/quicktime';
    if (ascii(head, 8, '3gp')) return 'video/3gpp';
    return 'video/mp4';
  }
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    // The EBML header names its DocType early on: "webm" or "matroska".
    const scan = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 64)).toString('latin1');
    return scan.includes('webm') ? 'video/webm' : 'video/x-matroska';
  }
  if (ascii(head, 0, 'OggS')) return 'video/ogg';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) return 'video/x-msvideo';
  if (ascii(head, 0, 'FLV') && head[3] === 0x01) return 'video/x-flv';
  if (head.length > TS_PACKET * 2 && head[0] === 0x47 && head[TS_PACKET] === 0x47 && head[TS_PACKET * 2] === 0x47) {
    return 'video/mp2t';
  }
  if (QUICKTIME_ATOMS.some((atom) => ascii(head, 4, atom))) return 'video/quicktime';
  return undefined;
}
