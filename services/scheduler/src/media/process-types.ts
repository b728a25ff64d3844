/**
 * The media pipeline as the task machinery sees it: one function that turns an original into a
 * generation's files under `outDir`. The job takes it as an option (tests hand in their own);
 * by default the pipeline module is loaded on first use.
 */
export interface ProcessOptions {
  ladder: number[];
  threads: number;
  watermark?: { file: string; position: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right' };
  signal: AbortSignal;
  onProgress(percent: number): void;
  gen: string;
}

export interface ProcessResult {
  duration: number;
  width: number | null;
  height: number | null;
  hasAudio: boolean;
  renditions: { height: number; width: number; bandwidth: number; codecs: string }[];
  /** The original remuxed with its moov first, when it needed that; null otherwise. */
  faststartFile: string | null;
}

export type ProcessVideo = (input: string, outDir: string, o: ProcessOptions) => Promise<ProcessResult>;

// A variable, not a literal: the module is loaded only when a task runs.
const PIPELINE_MODULE = './pipeline/process-video.js';

/** The real pipeline, loaded on first use. */
export const defaultProcessVideo: ProcessVideo = async (input, outDir, o) => {
  const mod = (await import(PIPELINE_MODULE)) as { processVideo: ProcessVideo };
  return mod.processVideo(input, outDir, o);
};

/** A MediaError (the file itself is the problem: another attempt cannot help) fails the task at once. */
export function isPermanentError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  for (let proto: object | null = Object.getPrototypeOf(err); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'MediaError') return true;
  }
  return err.name === 'MediaError';
}

/** The reason stored on the task: the error's last non-empty line (ffmpeg's own last word), at most 500 characters. */
export function failureReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return (lines.at(-1) ?? (err instanceof Error ? err.name : 'processing failed')).slice(0, 500);
}
