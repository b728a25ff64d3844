import { payloadTooLarge, type Db } from '@video/shared';

const MiB = 1024 * 1024;

/** Bytes a user stores in live videos other than `exceptVideoId` (the one being replaced counts its new size). */
export async function storedBytes(db: Db, userId: number, exceptVideoId: string): Promise<number> {
  const row = await db.kysely
    .selectFrom('video_info')
    .select((eb) => eb.fn.sum<number | string | null>('size').as('total'))
    .where('author_id', '=', userId)
    .where('deleted_at', 'is', null)
    .where('id', '!=', exceptVideoId)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

/**
 * Bytes the user may still store into `videoId` under user_quota_mb (0 = unlimited: Infinity).
 * Pure arithmetic lives in quotaLeft so both upload paths decide alike.
 */
export async function quotaLeftFor(db: Db, quotaMb: number, userId: number, videoId: string): Promise<number> {
  if (quotaMb <= 0) return Infinity;
  return quotaLeft(quotaMb, await storedBytes(db, userId, videoId));
}

export function quotaLeft(quotaMb: number, stored: number): number {
  if (quotaMb <= 0) return Infinity;
  return Math.max(0, quotaMb * MiB - stored);
}

export const overQuota = (quotaMb: number) =>
  payloadTooLarge(`the upload would take you over your storage quota of ${quotaMb} MiB (user_quota_mb): delete a video first`);
