import { randomBytes } from 'node:crypto';
import { preconditionFailed, rangeNotSatisfiable, type AppError } from '../contract/index.js';
import { parseBytesRange, preferWholeFile, type ByteRange } from './byte-range.js';
import { evaluatePreconditions, ifRangeAllows, type Validators } from './preconditions.js';

type Headers = Record<string, string | string[] | undefined>;

/** What a GET or HEAD answer depends on: the file's validators and size, its type, the request. */
export interface GetPlanInput {
  method: string;
  headers: Headers;
  file: Validators & { size: number; lastModified: string };
  contentType: string;
  /** The multipart boundary (tests pass a fixed one); default 24 random hex digits. */
  boundary?: () => string;
}

/** Response headers of a plan, in the order they are sent. */
export type PlanHeaders = Record<string, string | number>;

/** One part of a multipart/byteranges body: its framing, then the bytes of its range. */
export interface BodyPart {
  head: Buffer;
  range: ByteRange;
}

/**
 * The answer to a GET or HEAD of a stored video:
 * - `error`: 412 (a precondition failed) or 416 (no range overlaps the file), thrown by the caller;
 * - `not-modified`: 304, no body;
 * - `bytes`: 200 or 206 with one range of the file as the body (none for HEAD or an empty file);
 *   `ranges` is how many ranges the request asked for (several may still be answered whole);
 * - `multipart`: 206 multipart/byteranges (`parts` and `tail` empty for HEAD).
 */
export type GetPlan =
  | { kind: 'error'; status: 412 | 416; headers: PlanHeaders; error: AppError }
  | { kind: 'not-modified'; status: 304; headers: PlanHeaders }
  | { kind: 'bytes'; status: 200 | 206; headers: PlanHeaders; body: ByteRange | undefined; ranges: number }
  | { kind: 'multipart'; status: 206; headers: PlanHeaders; parts: BodyPart[]; tail: Buffer | undefined };

const randomBoundary = () => randomBytes(12).toString('hex');

/**
 * Decides the answer in the order of RFC 9110 and @fastify/send: conditional GET (304/412), then
 * If-Range, then Range. Pure: no file is read, nothing is sent.
 */
export function planGet(input: GetPlanInput): GetPlan {
  const { headers, file } = input;
  const head = input.method === 'HEAD';
  const base: PlanHeaders = { 'accept-ranges': 'bytes', etag: file.etag, 'last-modified': file.lastModified };
  const pre = evaluatePreconditions(headers, file);
  if (pre === 304) return { kind: 'not-modified', status: 304, headers: base };
  if (pre === 412) {
    return { kind: 'error', status: 412, headers: base, error: preconditionFailed('a precondition failed: the file has changed') };
  }
  const size = file.size;
  const rangeHeader = headers.range;
  const parsed = typeof rangeHeader === 'string' && ifRangeAllows(headers, file) ? parseBytesRange(size, rangeHeader) : undefined;
  if (parsed?.type === 'unsatisfiable') return { kind: 'error', status: 416, headers: base, error: rangeNotSatisfiable(size) };
  const ranges = parsed?.type === 'ranges' ? parsed.ranges : [];
  if (ranges.length === 1) {
    const { start, end } = ranges[0];
    const out = { ...base, 'content-type': input.contentType, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 };
    return { kind: 'bytes', status: 206, headers: out, body: head ? undefined : { start, end }, ranges: 1 };
  }
  if (ranges.length > 1 && !preferWholeFile(size, ranges)) {
    return planMultipart(input, base, ranges, head);
  }
  const out = { ...base, 'content-type': input.contentType, 'content-length': size };
  return { kind: 'bytes', status: 200, headers: out, body: head || size === 0 ? undefined : { start: 0, end: size - 1 }, ranges: ranges.length };
}

function planMultipart(input: GetPlanInput, base: PlanHeaders, ranges: ByteRange[], head: boolean): GetPlan {
  const { size } = input.file;
  const boundary = (input.boundary ?? randomBoundary)();
  const parts = ranges.map((range, i) => ({
    head: Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${input.contentType}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`,
    ),
    range,
  }));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let length = tail.length;
  for (const part of parts) length += part.head.length + part.range.end - part.range.start + 1;
  const out = { ...base, 'content-type': `multipart/byteranges; boundary=${boundary}`, 'content-length': length };
  return { kind: 'multipart', status: 206, headers: out, parts: head ? [] : parts, tail: head ? undefined : tail };
}
