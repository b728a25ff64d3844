import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegForTests, mediaFixture, type MediaFixtureKind } from '@video/shared/testing';
import { MediaError, processVideo, type ProcessResult } from '../../../src/media/pipeline/index.js';
import { checkRanges, ffprobeStreams, live, meanByte, rawFrame, readPlaylist, readText, run, tempDir } from './helper.js';

const GEN = 'gmiqz1abc-0123abcd';

describe.skipIf(!ffmpegForTests('media pipeline tests'))('processVideo', () => {
  let root: string;
  const runs = new Map<MediaFixtureKind, Promise<{ out: string; result: ProcessResult; progress: number[]; preview: unknown }>>();

  beforeAll(async () => {
    root = await tempDir('media-pipeline-');
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  /** One processVideo run per fixture (ladder 360/720, two threads), shared by the tests below. */
  function processed(kind: MediaFixtureKind) {
    let r = runs.get(kind);
    if (!r) {
      r = (async () => {
        const input = await mediaFixture(kind, root);
        const out = await tempDir(`gen-${kind}-`, root);
        const progress: number[] = [];
        let preview: unknown;
        // What is on disk when the poster is announced: the caller publishes it from there.
        const onPreview = async (facts: object) => {
          preview = { facts, files: (await readdir(out)).sort() };
        };
        const result = await processVideo(input, out, { ladder: [360, 720], threads: 2, signal: live(), gen: GEN, onProgress: (p) => progress.push(p), onPreview });
        return { out, result, progress, preview };
      })();
      runs.set(kind, r);
    }
    return r;
  }

  async function renditionStreams(out: string, height: number) {
    const streams = await ffprobeStreams(path.join(out, `${height}.mp4`));
    return { video: streams.filter((s) => s.codec_type === 'video'), audio: streams.filter((s) => s.codec_type === 'audio') };
  }

  it('a 720p H.264/AAC source gets 360p and 720p H.264/AAC renditions and the whole generation', async () => {
    const { out, result, progress } = await processed('h264-720p');
    expect(result).toMatchObject({ width: 1280, height: 720, hasAudio: true, faststartFile: null });
    expect(result.duration).toBeCloseTo(3, 0);
    expect(result.renditions.map((r) => [r.width, r.height])).toEqual([[640, 360], [1280, 720]]);
    for (const h of [360, 720]) {
      const { video, audio } = await renditionStreams(out, h);
      expect(video.map((s) => [s.codec_name, s.height])).toEqual([['h264', h]]);
      expect(audio.map((s) => s.codec_name)).toEqual(['aac']);
    }
    // Re-encoded (360p) audio is stereo AAC even from a mono source.
    expect((await renditionStreams(out, 360)).audio.map((s) => s.channels)).toEqual([2]);
    expect(existsSync(path.join(out, 'faststart.mp4'))).toBe(false);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((p) => p >= 0 && p <= 99)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const info = JSON.parse(await readText(out, 'info.json'));
    expect(info).toEqual({ duration: result.duration, width: 1280, height: 720, has_audio: true, renditions: result.renditions });
  });

  it('each media playlist is byte ranges of its fMP4 that line up, ≤ 6 s each, URIs naming the generation', async () => {
    const { out } = await processed('h264-720p');
    for (const h of [360, 720]) {
      const p = readPlaylist(await readText(out, `${h}.m3u8`));
      expect(p.mapUri).toBe(`${h}.mp4?g=${GEN}`);
      expect(p.segments.length).toBeGreaterThan(0);
      expect(p.segments.every((s) => s.uri === `${h}.mp4?g=${GEN}` && s.duration <= 6)).toBe(true);
      expect(await checkRanges(path.join(out, `${h}.mp4`), p)).toEqual([]);
    }
  });

  it('the master playlist names each rendition with BANDWIDTH, RESOLUTION and CODECS', async () => {
    const { out, result } = await processed('h264-720p');
    const master = await readText(out, 'master.m3u8');
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]+)\n([^\n]+)/g)];
    expect(variants.map((v) => v[2])).toEqual([`360.m3u8?g=${GEN}`, `720.m3u8?g=${GEN}`]);
    for (const [i, v] of variants.entries()) {
      const r = result.renditions[i]!;
      expect(v[1]).toContain(`BANDWIDTH=${r.bandwidth},`);
      expect(v[1]).toContain(`RESOLUTION=${r.width}x${r.height}`);
      expect(v[1]).toMatch(/CODECS="avc1\.(64|4d|42)[0-9a-f]{4},mp4a\.40\.2"/);
      expect(r.bandwidth).toBeGreaterThan(10_000);
    }
  });

  it('announces the poster and thumb (with the probed facts) before any storyboard or rendition exists', async () => {
    const { preview, result } = await processed('h264-720p');
    expect(preview).toEqual({
      facts: { duration: result.duration, width: 1280, height: 720 },
      files: ['poster.jpg', 'thumb.jpg'],
    });
  });

  it('poster ≤ 1280 wide, thumb 320 wide, storyboard 100 × 160 = 16000 wide', async () => {
    const { out } = await processed('h264-720p');
    const [poster] = await ffprobeStreams(path.join(out, 'poster.jpg'));
    const [thumb] = await ffprobeStreams(path.join(out, 'thumb.jpg'));
    const [board] = await ffprobeStreams(path.join(out, 'storyboard.jpg'));
    expect(poster!.width).toBeLessThanOrEqual(1280);
    expect(poster!.width).toBe(1280);
    expect(thumb!.width).toBe(320);
    expect(thumb!.height).toBe(180);
    expect(board).toMatchObject({ width: 16000, height: 90 });
  });

  it('a 240p source gets one 240p rendition (below the lowest rung) and a full-width storyboard', async () => {
    const { out, result } = await processed('h264-240p');
    expect(result.renditions.map((r) => [r.width, r.height])).toEqual([[320, 240]]);
    const { video, audio } = await renditionStreams(out, 240);
    expect(video.map((s) => s.codec_name)).toEqual(['h264']);
    expect(audio).toHaveLength(1);
    const [board] = await ffprobeStreams(path.join(out, 'storyboard.jpg'));
    expect(board!.width).toBe(16000);
  });

  it('a portrait source: the rung is its width', async () => {
    const { out, result } = await processed('portrait');
    expect(result).toMatchObject({ width: 360, height: 640 });
    expect(result.renditions.map((r) => [r.width, r.height])).toEqual([[360, 640]]);
    const { video } = await renditionStreams(out, 640);
    expect(video.map((s) => [s.width, s.height])).toEqual([[360, 640]]);
    expect(await readText(out, 'master.m3u8')).toContain('RESOLUTION=360x640');
  });

  it('no audio in the source, none in the renditions (and no mp4a in CODECS)', async () => {
    const { out, result } = await processed('no-audio');
    expect(result.hasAudio).toBe(false);
    const { video, audio } = await renditionStreams(out, 240);
    expect(video).toHaveLength(1);
    expect(audio).toEqual([]);
    expect(result.renditions[0]!.codecs).toMatch(/^avc1\.[0-9a-f]{6}$/);
  });

  it('a video whose first second is black still gets a poster that is not', async () => {
    const input = await mediaFixture('black-start', root);
    expect(meanByte(await rawFrame(input, 'gray'))).toBeLessThan(20);
    const { out } = await processed('black-start');
    expect(meanByte(await rawFrame(path.join(out, 'poster.jpg'), 'gray'))).toBeGreaterThan(40);
    expect(meanByte(await rawFrame(path.join(out, 'thumb.jpg'), 'gray'))).toBeGreaterThan(40);
  });

  it('a video black for its first two thirds gets its poster from the rest', async () => {
    const input = path.join(root, 'long-black.mp4');
    const black = ['-f', 'lavfi', '-i', 'color=c=black:size=160x120:rate=5:duration=6'];
    const colour = ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=5:duration=3'];
    const concat = ['-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0[v]', '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast'];
    await run('/usr/bin/ffmpeg', ['-v', 'error', ...black, ...colour, ...concat, input]);
    const out = await tempDir('gen-long-black-', root);
    await processVideo(input, out, { ladder: [360], threads: 2, signal: live(), gen: GEN, onProgress: () => undefined });
    expect(meanByte(await rawFrame(path.join(out, 'poster.jpg'), 'gray'))).toBeGreaterThan(40);
  });

  it('an MP4 with moov after mdat gets faststart.mp4: moov first, the same streams', async () => {
    const input = await mediaFixture('moov-at-end', root);
    const { result } = await processed('moov-at-end');
    expect(result.faststartFile).toBe(path.join(path.dirname(result.faststartFile!), 'faststart.mp4'));
    const bytes = await readFile(result.faststartFile!);
    expect(bytes.indexOf('moov', 0, 'latin1')).toBeLessThan(bytes.indexOf('mdat', 0, 'latin1'));
    const original = await readFile(input);
    expect(original.indexOf('moov', 0, 'latin1')).toBeGreaterThan(original.indexOf('mdat', 0, 'latin1'));
    const streams = (s: Awaited<ReturnType<typeof ffprobeStreams>>) => s.map((x) => [x.codec_type, x.codec_name, x.width ?? x.channels]);
    expect(streams(await ffprobeStreams(result.faststartFile!))).toEqual(streams(await ffprobeStreams(input)));
  });

  it.each(['hevc-mkv', 'mpeg4-avi'] as const)('%s plays as H.264/AAC renditions', async (kind) => {
    const { out, result } = await processed(kind);
    expect(result.faststartFile).toBeNull();
    expect(result.renditions.map((r) => r.height)).toEqual([240]);
    const { video, audio } = await renditionStreams(out, 240);
    expect([...video, ...audio].map((s) => s.codec_name)).toEqual(['h264', 'aac']);
  });

  it('sparse keyframes: a copy would make a 13 s segment, so the rung is re-encoded into ~4 s ones', async () => {
    const { out, result } = await processed('long-gop');
    expect(result.renditions.map((r) => r.height)).toEqual([120]);
    const p = readPlaylist(await readText(out, '120.m3u8'));
    expect(p.segments.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...p.segments.map((s) => s.duration))).toBeLessThanOrEqual(6);
    expect(await checkRanges(path.join(out, '120.mp4'), p)).toEqual([]);
  });

  it('a file that is not a video is a MediaError with a clear reason, and writes nothing', async () => {
    const input = await mediaFixture('garbage', root);
    const out = await tempDir('gen-garbage-', root);
    const err = await processVideo(input, out, { ladder: [360], threads: 1, signal: live(), gen: GEN, onProgress: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as Error).message).toMatch(/not a readable video file/);
  });
});
