// What the scheduler writes to its log: work done at info, idle runs at debug, health checks not at
// all, and never the same key twice in one line.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDelRec, type Db } from '@video/shared';
import { openTestDb } from '@video/shared/testing';
import { buildTestApp, seedUser, seedVideos, TEST_TOKEN, waitFor, type FastifyInstance } from './helper.js';

/** Top-level keys that occur more than once in one JSON line (JSON.parse keeps only the last). */
function duplicateKeys(line: string): string[] {
  const seen = new Map<string, number>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      const text = line.slice(i + 1, j);
      if (depth === 1 && expectKey) seen.set(text, (seen.get(text) ?? 0) + 1);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{';
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',') expectKey = depth === 1 || expectKey;
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

describe('scheduler log lines', () => {
  let db: Db;
  let close: () => Promise<void>;
  let app: FastifyInstance;
  let videoDir: string;
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    ({ db, close } = await openTestDb('sqlite'));
    let config;
    ({ app, config } = await buildTestApp(db, { log_level: 'debug', scheduler_interval_seconds: 1 }, { startJobs: true, logger: undefined, logStream }));
    videoDir = config.video_dir;
  });
  afterAll(async () => {
    await app?.close();
    await close?.();
  });

  it('idle runs are debug, a run that purged is one info line, /healthz is not logged, no key twice', async () => {
    // A few idle runs (the first at start) and the health checks a launcher or orchestrator makes.
    const idle = await waitFor(() => (app.runner.status().purge?.runs ?? 0) >= 2, 5_000);
    expect(idle).toBe(true);
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    const [id] = await seedVideos(db, { authorId: await seedUser(db), videoDir, count: 1, prefix: 'logged', deleted: false });
    const res = await app.inject({ method: 'POST', url: `/video-delete-record/${id}`, headers: { 'x-internal-token': TEST_TOKEN } });
    expect(res.statusCode).toBe(200);
    expect(await waitFor(async () => (await findDelRec(db.kysely, id)) === undefined, 5_000)).toBe(true);
    await app.runner.worker('purge')?.tick();

    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(duplicateKeys(line), line).toEqual([]);
    const all = records();
    expect(all.filter((r) => JSON.stringify(r).includes('/healthz'))).toEqual([]);

    const runs = all.filter((r) => r.msg === 'purge run finished');
    const busy = runs.filter((r) => (r.purged as number) > 0);
    expect(busy).toHaveLength(1);
    expect(busy[0]).toMatchObject({ level: 30, job: 'purge', claimed: 1, purged: 1, failed: 0 });
    const quiet = runs.filter((r) => r.claimed === 0);
    expect(quiet.length).toBeGreaterThanOrEqual(2);
    for (const r of quiet) expect(r.level).toBe(20);
    // At info, the idle runs and health checks leave nothing; the deletion leaves its request and the run.
    const info = all.filter((r) => (r.level as number) >= 30);
    expect(info.filter((r) => r.job !== undefined).map((r) => r.msg)).toEqual(['purge run finished']);
  });
});
