import { FFPROBE_PATH, MediaError, ToolError, ffmpegArgs, runFfmpeg, runTool } from './ffmpeg-run.js';

/** What the pipeline needs to know of a file, with width/height as displayed (rotation applied). */
export interface MediaProbe {
  duration: number;
  width: number;
  height: number;
  /** The stored frame size (before rotation). */
  codedWidth: number;
  codedHeight: number;
  rotation: number;
  videoCodec: string;
  pixFmt: string;
  hasAudio: boolean;
  audioCodec: string | null;
  /** ffprobe's format_name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string;
  majorBrand: string;
}

interface FfStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}
interface FfProbeJson {
  streams?: FfStream[];
  format?: { duration?: string; format_name?: string; tags?: Record<string, string> };
}

async function ffprobeJson(file: string, signal: AbortSignal): Promise<FfProbeJson> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file];
  try {
    const { stdout } = await runTool(FFPROBE_PATH, args, { signal, captureStdout: true });
    return JSON.parse(stdout) as FfProbeJson;
  } catch (err) {
    if (err instanceof ToolError && err.code !== null && !err.killedBy) {
      throw new MediaError(`not a readable video file${err.lastLine ? `: ${err.lastLine}` : ''}`);
    }
    if (err instanceof SyntaxError) throw new MediaError('not a readable video file: ffprobe gave no answer');
    throw err;
  }
}

/** Degrees clockwise the picture is shown turned (the display matrix, else the old `rotate` tag). */
function rotationOf(s: FfStream): number {
  const side = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const deg = side ?? Number(s.tags?.rotate ?? 0);
  return Number.isFinite(deg) ? ((Math.round(deg) % 360) + 360) % 360 : 0;
}

/** A file that names no duration (some live-recorded WebM): read it through, without decoding. */
async function measureDuration(file: string, signal: AbortSignal): Promise<number> {
  let seconds = 0;
  await runFfmpeg(ffmpegArgs(0, ['-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-']), {
    signal,
    onTime: (t) => (seconds = Math.max(seconds, t)),
  });
  return seconds;
}

/** Non-square pixels (anamorphic DVD, some phones) widen or narrow the picture as shown. */
function displayWidth(s: FfStream): number {
  const m = /^(\d+):(\d+)$/.exec(s.sample_aspect_ratio ?? '');
  const sar = m && Number(m[1]) > 0 && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : 1;
  return Math.max(2, Math.round(s.width! * sar));
}

function positive(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Probes `file`; MediaError when ffprobe cannot read it or it has no video stream. */
export async function probeMedia(file: string, signal: AbortSignal): Promise<MediaProbe> {
  const json = await ffprobeJson(file, signal);
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && s.width && s.height);
  if (!video) throw new MediaError('the file has no video stream');
  const audio = streams.find((s) => s.codec_type === 'audio');
  let duration = positive(json.format?.duration) || positive(video.duration);
  if (!duration) duration = await measureDuration(file, signal);
  if (!duration) throw new MediaError('the video has no frames (its duration is zero)');
  const rotation = rotationOf(video);
  const turned = rotation === 90 || rotation === 270;
  const w = displayWidth(video);
  const h = video.height!;
  return {
    duration,
    width: turned ? h : w,
    height: turned ? w : h,
    codedWidth: video.width!,
    codedHeight: h,
    rotation,
    videoCodec: video.codec_name ?? '',
    pixFmt: video.pix_fmt ?? '',
    hasAudio: audio !== undefined,
    audioCodec: audio?.codec_name ?? null,
    formatName: json.format?.format_name ?? '',
    majorBrand: json.format?.tags?.major_brand ?? '',
  };
}

/** The first video stream of an output as ffprobe sees it (for RESOLUTION and the codec strings). */
export async function probeOutput(file: string, signal: AbortSignal): Promise<{ width: number; height: number; profile: string; level: number; hasAudio: boolean }> {
  const json = await ffprobeJson(file, signal);
  const v = (json.streams ?? []).find((s) => s.codec_type === 'video') as (FfStream & { profile?: string; level?: number }) | undefined;
  if (!v?.width || !v.height) throw new Error(`${file}: the rendition has no video stream`);
  return {
    width: v.width,
    height: v.height,
    profile: v.profile ?? '',
    level: v.level ?? 0,
    hasAudio: (json.streams ?? []).some((s) => s.codec_type === 'audio'),
  };
}
