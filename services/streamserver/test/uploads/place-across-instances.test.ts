import { statSync, writeFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { findLiveVideo } from '@video/shared';
import { openTestDb, testConfig, testDialects } from '@video/shared/testing';
import { makeUser, makeVideo } from '../helper.js';

type VideoStore = typeof import('../../src/uploads/video-store.js');

/** A fresh copy of the module: its in-process "one placing per id" map is its own, as in another process. */
async function freshStore(): Promise<VideoStore> {
  vi.resetModules();
  return import('../../src/uploads/video-store.js');
}

describe.each(testDialects())('two stream servers placing one video at once (%s)', (dialect) => {
  it('the row always describes the file that won', async () => {
    const t = await openTestDb(dialect);
    const config = testConfig();
    try {
      const [a, b] = [await freshStore(), await freshStore()];
      expect(a.placeVideoFile).not.toBe(b.placeVideoFile);
      const { userId } = await makeUser(t.db);
      const mismatches: string[] = [];
      for (let round = 0; round < 12; round++) {
        const id = await makeVideo({ db: t.db, config }, userId);
        const files = [a, b].map((store, i) => {
          const temp = store.tempUploadPath(config.video_dir);
          const size = 1000 + round * 10 + i;
          writeFileSync(temp, Buffer.alloc(size, i));
          return { store, temp, size };
        });
        const placed = await Promise.all(files.map((f) => f.store.placeVideoFile(t.db, config.video_dir, id, f.temp, { size: f.size, content_type: 'video/mp4' })));
        expect(placed).toEqual([true, true]);
        const row = await findLiveVideo(t.db.kysely, id);
        const onDisk = statSync(a.videoPath(config.video_dir, id)).size;
        if (Number(row?.size) !== onDisk) mismatches.push(`round ${round}: row ${row?.size}, file ${onDisk}`);
      }
      expect(mismatches).toEqual([]);
    } finally {
      await t.close();
    }
  }, 30_000);
});
