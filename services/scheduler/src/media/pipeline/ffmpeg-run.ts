import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

/** Debian's binaries (never downloaded ones); the env may point elsewhere for a test or a host. */
export const FFMPEG_PATH = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';
export const FFPROBE_PATH = process.env.FFPROBE_PATH ?? '/usr/bin/ffprobe';

/** The file cannot be processed (unreadable, no video, a decoder's error): retrying will not help. */
export class MediaError extends Error {
  override name = 'MediaError';
}

export function abortError(): Error {
  return new DOMException('The media processing was aborted', 'AbortError');
}

/** How long ffmpeg gets to stop on SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 1500;
/** stderr kept for the error message: the end is what says why. */
const STDERR_KEEP = 8192;
/** stdout kept for ffprobe's JSON (ffmpeg's progress lines are parsed as they come and dropped). */
const STDOUT_KEEP = 16 * 1024 * 1024;
/** Below the services, so a transcode never starves a request. */
const NICE = 10;

export interface RunOptions {
  signal: AbortSignal;
  /** ffmpeg's `-progress` position in seconds of output, as it advances. */
  onTime?(seconds: number): void;
  /** Keep stdout (ffprobe's answer); otherwise stdout is the progress stream. */
  captureStdout?: boolean;
}

export interface RunResult {
  stdout: string;
}

/** A failed run: `lastLine` is the tool's last stderr line (its reason), `code` its exit status. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly lastLine: string,
    readonly code: number | null,
    readonly killedBy: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

function lastLineOf(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

function lowerPriority(child: ChildProcess): void {
  try {
    if (child.pid) os.setPriority(child.pid, NICE);
  } catch {
    // Not allowed or already gone: the run goes on at normal priority.
  }
}

/** Reads `out_time_us=` / `out_time_ms=` (both microseconds in ffmpeg ≥ 4) from -progress lines. */
function progressParser(onTime: (seconds: number) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + chunk.toString('latin1')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^out_time_(?:us|ms)=(\d+)/.exec(line);
      if (m) onTime(Number(m[1]) / 1e6);
    }
  };
}

/**
 * Runs one ffmpeg/ffprobe with `args`, at a lower CPU priority. An abort sends SIGTERM, then
 * SIGKILL after a short grace; the promise settles only once the child has exited, so no run
 * outlives its caller.
 */
export function runTool(bin: string, args: string[], o: RunOptions): Promise<RunResult> {
  if (o.signal.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    lowerPriority(child);
    let stdout = '';
    let stderr = '';
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onData = o.captureStdout ? (d: Buffer) => (stdout = (stdout + d.toString()).slice(0, STDOUT_KEEP)) : progressParser(o.onTime ?? (() => undefined));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEEP)));
    const onAbort = () => {
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    child.on('close', (code, sig) => {
      clearTimeout(killTimer);
      o.signal.removeEventListener('abort', onAbort);
      if (aborted) return reject(abortError());
      if (spawnError) return reject(new ToolError(`${bin} could not be started: ${spawnError.message}`, '', null, null));
      if (code === 0) return resolve({ stdout });
      const line = lastLineOf(stderr);
      reject(new ToolError(`${bin} failed (${sig ?? `exit ${code}`}): ${line || 'no message'}`, line, code, sig));
    });
  });
}

/** The common head of every ffmpeg run: no stdin, quiet but for errors, progress on stdout. */
export function ffmpegArgs(threads: number, rest: string[]): string[] {
  const t = threads > 0 ? ['-threads', String(threads)] : [];
  return ['-nostdin', '-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-y', ...t, ...rest];
}

/** `-threads` for an output (encoders) or `-filter_complex_threads`, when a bound is set. */
export function threadArgs(threads: number, flag = '-threads'): string[] {
  return threads > 0 ? [flag, String(threads)] : [];
}

/**
 * Runs ffmpeg. A non-zero exit is a MediaError with ffmpeg's last line (a decoder or format
 * problem in the file), except when the cause is the machine's (a signal, no space, no memory),
 * which is worth another try.
 */
export async function runFfmpeg(args: string[], o: RunOptions): Promise<void> {
  try {
    await runTool(FFMPEG_PATH, args, o);
  } catch (err) {
    if (!(err instanceof ToolError) || err.killedBy || err.code === null) throw err;
    if (/no space left|cannot allocate|out of memory|input\/output error|permission denied/i.test(err.lastLine)) throw err;
    throw new MediaError(err.lastLine || err.message);
  }
}
