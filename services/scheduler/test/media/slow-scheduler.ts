/**
 * The scheduler exactly as main.ts runs it, except that media tasks go through the slow stand-in
 * pipeline of fake-pipeline.ts (MEDIA_FAKE_MS milliseconds per task), for process-level tests that
 * must not depend on ffmpeg's speed.
 */
import { bindHost, loadConfigOrExit, runService } from '@video/shared';
import { buildApp } from '../../src/app.js';
import { JOBS } from '../../src/jobs/index.js';
import { createMediaJob } from '../../src/media/media-job.js';
import { fakeProcessor } from './fake-pipeline.js';

const config = loadConfigOrExit('scheduler');
const process_ = fakeProcessor({ ms: Number(process.env.MEDIA_FAKE_MS ?? 5_000) });
const jobs = JOBS.map((def) => (def.name === 'media' ? { ...def, create: (ctx: Parameters<typeof def.create>[0]) => createMediaJob(ctx, { process: process_ }) } : def));
const app = await buildApp(config, { jobs });
await runService(app, { name: 'scheduler', host: bindHost(config, 'scheduler'), port: config.scheduler_port });
