import type { Writable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { baseServerOptions, commonPlugin, databasePlugin, loggerOptions, pingDatabase, registerHealth, type Config, type Db } from '@video/shared';
import { jobsFor } from './jobs/index.js';
import type { JobDefinition } from './jobs/job.js';
import { videoDeleteRecordRoute } from './purge/video-delete-record-route.js';
import { Runner } from './taskrunner/runner.js';

export interface AppDeps {
  /** An open, migrated database (borrowed); when absent the app opens and migrates config.database_url. */
  db?: Db;
  /** Overrides the logger options (tests). */
  logger?: boolean;
  /** Where the log lines go instead of stdout (tests that read them). */
  logStream?: Writable;
  /** Start the job workers when the app is ready (default true); tests of the route alone turn them off. */
  startJobs?: boolean;
  /** The jobs to run (default: all of JOBS, and the move with storage_type s3). */
  jobs?: JobDefinition[];
}

declare module 'fastify' {
  interface FastifyInstance {
    runner: Runner;
  }
}

/** Builds the scheduler service without listening: the internal route, /healthz, and the job runner. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const extra =
    deps.logger === false
      ? { logger: false }
      : deps.logStream
        ? { logger: { ...loggerOptions(config, 'scheduler'), transport: undefined, stream: deps.logStream } }
        : {};
  const app = Fastify(baseServerOptions(config, 'scheduler', extra)).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(commonPlugin, { service: 'scheduler', metricsToken: config.metrics_token });
  await app.register(databasePlugin, { url: config.database_url, redisUrl: config.redis_url, db: deps.db, log: (msg) => process.stderr.write(`scheduler: ${msg}\n`) });
  const db = app.db;

  const runner = new Runner(
    (deps.jobs ?? jobsFor(config)).map((def) => ({
      job: def.create({ db, log: app.log.child({ job: def.name }), config }),
      intervalSeconds: def.intervalSeconds?.(config) ?? config.scheduler_interval_seconds,
    })),
    // A first run at start picks up whatever was queued while the scheduler was down.
    { log: app.log, runOnStart: true },
  );
  app.decorate('runner', runner);
  if (deps.startJobs !== false) app.addHook('onReady', async () => runner.start());
  // preClose runs before every onClose hook, so the runner stops (finishing or releasing its claims)
  // while the database is still open.
  app.addHook('preClose', async () => runner.stop());

  registerHealth(app, async () => {
    await pingDatabase(db);
    const purge = runner.worker('purge')?.status;
    const jobs = Object.fromEntries(
      Object.entries(runner.status()).map(([name, s]) => [
        name,
        {
          last_run: s.lastRunFinishedAt === null ? null : new Date(s.lastRunFinishedAt).toISOString(),
          last_run_ms: s.lastRunMs,
          runs: s.runs,
          skipped_ticks: s.skippedTicks,
          last_counts: s.lastSummary?.counts ?? null,
          last_error: s.lastError,
        },
      ]),
    );
    return {
      last_run: purge?.lastRunFinishedAt ? new Date(purge.lastRunFinishedAt).toISOString() : null,
      jobs,
    };
  });
  await app.register(videoDeleteRecordRoute, { db, internalToken: config.internal_token });
  return app;
}
