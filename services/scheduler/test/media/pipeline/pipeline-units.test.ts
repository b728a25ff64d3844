import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsFaststart, topLevelBoxes } from '../../../src/media/pipeline/faststart.js';
import { planLadder } from '../../../src/media/pipeline/ladder.js';
import { avcCodecFromProfile, masterPlaylist } from '../../../src/media/pipeline/master-playlist.js';
import { parseMediaPlaylist, playlistBandwidth, rewriteMediaPlaylist } from '../../../src/media/pipeline/media-playlist.js';
import type { MediaProbe } from '../../../src/media/pipeline/probe.js';

const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MAP:URI="720.mp4",BYTERANGE="1352@0"
#EXTINF:4.000000,
#EXT-X-BYTERANGE:73044@1352
720.mp4
#EXTINF:2.000000,
#EXT-X-BYTERANGE:50000
720.mp4
#EXT-X-ENDLIST
`;

describe('media playlists', () => {
  it('parses the init range and the segments (a range without @ follows the previous one)', () => {
    expect(parseMediaPlaylist(PLAYLIST)).toEqual({
      map: { length: 1352, offset: 0 },
      segments: [
        { duration: 4, length: 73044, offset: 1352 },
        { duration: 2, length: 50000, offset: 74396 },
      ],
    });
  });

  it('rewrites every URI to name the generation, and nothing else', () => {
    const out = rewriteMediaPlaylist(PLAYLIST, '720.mp4', 'gabc-1');
    expect(out).toContain('#EXT-X-MAP:URI="720.mp4?g=gabc-1",BYTERANGE="1352@0"');
    expect(out.split('\n').filter((l) => l === '720.mp4?g=gabc-1')).toHaveLength(2);
    expect(out.replaceAll('?g=gabc-1', '')).toBe(PLAYLIST);
  });

  it('BANDWIDTH is the peak segment rate, AVERAGE-BANDWIDTH the mean', () => {
    expect(playlistBandwidth(parseMediaPlaylist(PLAYLIST))).toEqual({ peak: 200_000, average: Math.ceil(((73044 + 50000) * 8) / 6) });
  });

  it('the master playlist lists variants lowest first with their generation', () => {
    const text = masterPlaylist(
      [
        { height: 720, width: 1280, bandwidth: 2e6, averageBandwidth: 1e6, codecs: 'avc1.64001f,mp4a.40.2' },
        { height: 360, width: 640, bandwidth: 5e5, averageBandwidth: 4e5, codecs: 'avc1.64001e' },
      ],
      'g1',
    );
    expect(text.split('\n').filter((l) => !l.startsWith('#EXT-X-STREAM-INF') && !l.startsWith('#'))).toEqual(['360.m3u8?g=g1', '720.m3u8?g=g1', '']);
    expect(text).toContain('BANDWIDTH=500000,AVERAGE-BANDWIDTH=400000,RESOLUTION=640x360,CODECS="avc1.64001e"');
  });

  it.each([
    ['High', 31, 'avc1.64001f'],
    ['Main', 30, 'avc1.4d401e'],
    ['Constrained Baseline', 21, 'avc1.42e015'],
  ])('codec string for %s level %i is %s', (profile, level, codec) => {
    expect(avcCodecFromProfile(profile, level)).toBe(codec);
  });
});

const probe = (over: Partial<MediaProbe>): MediaProbe => ({
  duration: 10, width: 1920, height: 1080, codedWidth: 1920, codedHeight: 1080, rotation: 0, videoCodec: 'h264',
  pixFmt: 'yuv420p', hasAudio: true, audioCodec: 'aac', formatName: 'mov,mp4,m4a,3gp,3g2,mj2', majorBrand: 'isom', ...over,
});

describe('planLadder', () => {
  it.each<[string, Partial<MediaProbe>, number[], [number, number, boolean][]]>([
    ['1080p: the rungs at or below', {}, [360, 720], [[640, 360, false], [1280, 720, false]]],
    ['720p H.264/AAC: the 720 rung is copied', { width: 1280, height: 720, codedWidth: 1280, codedHeight: 720 }, [360, 720], [[640, 360, false], [1280, 720, true]]],
    ['below the lowest rung: its own even size', { width: 426, height: 239, codedWidth: 426, codedHeight: 239 }, [360, 720], [[428, 240, false]]],
    ['portrait: the rung is the width', { width: 720, height: 1280, codedWidth: 720, codedHeight: 1280 }, [360, 720], [[360, 640, false], [720, 1280, true]]],
    ['rotated: displayed size, never copied', { width: 720, height: 1280, rotation: 90, codedWidth: 1280, codedHeight: 720 }, [720], [[720, 1280, false]]],
    ['HEVC is re-encoded', { width: 1280, height: 720, codedWidth: 1280, codedHeight: 720, videoCodec: 'hevc' }, [720], [[1280, 720, false]]],
    ['Opus audio is re-encoded', { width: 1280, height: 720, codedWidth: 1280, codedHeight: 720, audioCodec: 'opus' }, [720], [[1280, 720, false]]],
  ])('%s', (_name, over, ladder, want) => {
    expect(planLadder(probe(over), ladder, false).map((p) => [p.width, p.height, p.copy])).toEqual(want);
  });

  it('a watermark means no copy', () => {
    expect(planLadder(probe({ width: 1280, height: 720, codedWidth: 1280, codedHeight: 720 }), [720], true)[0]!.copy).toBe(false);
  });

  it('caps grow with the frame size', () => {
    const [low, high] = planLadder(probe({}), [360, 1080], false);
    expect(low!.maxrate).toBeLessThan(high!.maxrate);
  });
});

describe('top-level boxes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'boxes-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const box = (type: string, payload: number) => {
    const b = Buffer.alloc(8 + payload);
    b.writeUInt32BE(8 + payload, 0);
    b.write(type, 4, 'latin1');
    return b;
  };
  /** A 64-bit-size box (size field 1, largesize after the type). */
  const bigBox = (type: string, payload: number) => {
    const b = Buffer.alloc(16 + payload);
    b.writeUInt32BE(1, 0);
    b.write(type, 4, 'latin1');
    b.writeBigUInt64BE(BigInt(16 + payload), 8);
    return b;
  };

  it.each([
    ['moov after mdat', [box('ftyp', 16), box('mdat', 100), box('moov', 40)], ['ftyp', 'mdat', 'moov'], true],
    ['moov first', [box('ftyp', 16), box('moov', 40), box('mdat', 100)], ['ftyp', 'moov'], false],
    ['64-bit mdat', [box('ftyp', 16), bigBox('mdat', 50), box('free', 4), box('moov', 8)], ['ftyp', 'mdat', 'free', 'moov'], true],
    ['no moov at all', [box('ftyp', 16), box('mdat', 100)], ['ftyp', 'mdat'], false],
  ])('%s', async (name, boxes, types, needs) => {
    const file = path.join(dir, `${name}.mp4`);
    await writeFile(file, Buffer.concat(boxes));
    expect(await topLevelBoxes(file)).toEqual(types);
    expect(await needsFaststart(file, probe({}))).toBe(needs);
    expect(await needsFaststart(file, probe({ formatName: 'matroska,webm' }))).toBe(false);
  });
});
