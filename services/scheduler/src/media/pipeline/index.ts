export { processVideo, type PreviewFacts, type ProcessOptions, type ProcessResult } from './process-video.js';
export { MediaError, FFMPEG_PATH, FFPROBE_PATH } from './ffmpeg-run.js';
export { FASTSTART_FILE } from './faststart.js';
export type { Watermark, WatermarkPosition } from './hls.js';
