import { MediaError, processVideo, type PreviewFacts, type ProcessOptions, type ProcessResult } from './pipeline/index.js';

export { MediaError, type PreviewFacts, type ProcessOptions, type ProcessResult };

/**
 * The media pipeline as the task machinery sees it: one function that turns an original into a
 * generation's files under `outDir`. The job takes it as an option (tests hand in their own).
 */
export type ProcessVideo = (input: string, outDir: string, o: ProcessOptions) => Promise<ProcessResult>;

export const defaultProcessVideo: ProcessVideo = processVideo;

/** A MediaError (the file itself is the problem: another attempt cannot help) fails the task at once. */
export function isPermanentError(err: unknown): boolean {
  return err instanceof MediaError;
}

/** The reason stored on the task: the error's last non-empty line (ffmpeg's own last word), at most 500 characters. */
export function failureReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return (lines.at(-1) ?? (err instanceof Error ? err.name : 'processing failed')).slice(0, 500);
}
