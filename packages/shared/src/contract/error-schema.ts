import { Type } from '@sinclair/typebox';

/** The contract's error body, shared by every route's 4xx/5xx responses. */
export const ErrorSchema = Type.Object(
  { error: Type.String(), error_code: Type.String({ pattern: '^[0-9]{3}$' }) },
  { description: 'Every error: a human message and the contract code 001–012' },
);

/** DPlayer shows `msg` to the viewer; `error`/`error_code` are the contract's usual fields beside it. */
export const DanmakuErrorSchema = Type.Object({
  code: Type.Literal(1),
  msg: Type.String(),
  error: Type.String(),
  error_code: Type.String({ pattern: '^[0-9]{3}$' }),
});

/** The body of a failing GET /healthz: the status word beside the contract's fields. */
export const HealthErrorSchema = Type.Object({
  status: Type.Literal('unavailable'),
  error: Type.String(),
  error_code: Type.String({ pattern: '^[0-9]{3}$' }),
});

function responses<T>(schema: T, statuses: number[]): Record<number, T> {
  const out: Record<number, T> = {};
  for (const s of [...statuses, 500, 503]) out[s] = schema;
  return out;
}

/** Response schemas for the listed error statuses (plus 500 and 503, which any route can give). */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorSchema> {
  return responses(ErrorSchema, statuses);
}

/** The same for routes that answer in DPlayer's shape (see `createErrorHandler({ format: 'dplayer' })`). */
export function danmakuErrorResponses(...statuses: number[]): Record<number, typeof DanmakuErrorSchema> {
  return responses(DanmakuErrorSchema, statuses);
}
