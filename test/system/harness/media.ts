import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** Two small real H.264 MP4s (2 s and 3 s of ffmpeg's test pattern; see fixtures/README.md). */
export const CLIPS: readonly Buffer[] = [
  readFileSync(path.join(FIXTURES, 'clip-a.mp4')),
  readFileSync(path.join(FIXTURES, 'clip-b.mp4')),
];

/**
 * A real MP4 made unique by a trailing ISO-BMFF `free` box (which players skip), so a mix-up
 * between two videos' files cannot go unnoticed when bytes are compared.
 */
export function uniqueMp4(extraBytes = 64, clip = CLIPS[Math.floor(Math.random() * CLIPS.length)]!): Buffer {
  const payload = randomBytes(extraBytes);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write('free', 4, 'latin1');
  return Buffer.concat([clip, header, payload]);
}

/** A large MP4 (the small clip plus a big `free` box) for streams that must stay in flight. */
export function bigMp4(totalBytes: number): Buffer {
  return uniqueMp4(Math.max(64, totalBytes - CLIPS[0]!.length - 8), CLIPS[0]!);
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}
