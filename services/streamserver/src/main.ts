import cluster from 'node:cluster';
import { bindHost, initErrorTracking, loadConfigOrExit, loadTokenKeysOrExit, openDatabase, runService } from '@video/shared';
import { buildApp } from './app.js';
import { ClusterLimiter, LimitBroker, spareSlots } from './limits/cluster-limiter.js';
import { sweepTempUploads } from './uploads/video-store.js';

const config = loadConfigOrExit('streamserver');
// Each process (the cluster primary and every worker) reports its own errors.
await initErrorTracking(config, 'streamserver');
// Before any worker forks, so a cluster agrees on one generated key and a bad one stops the start here.
const tokenKeys = loadTokenKeysOrExit('streamserver', config);
const log = (msg: string) => process.stderr.write(`streamserver: ${msg}\n`);

if (config.stream_workers > 1 && cluster.isPrimary) {
  // Migrate once before the workers start (a database that is down stops the start here, not in a
  // loop of failing workers); they share the listening socket and one global limit.
  await (await openDatabase(config.database_url, log, { redisUrl: config.redis_url })).close();
  await sweepTempUploads(config.video_dir);
  const broker = new LimitBroker(config.stream_max_connections);
  let stopping = false;
  const fork = () => broker.attach(cluster.fork());
  for (let i = 0; i < config.stream_workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 500).unref();
  });
  const signalWorkers = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    // Ctrl-C reaches the workers from the terminal already; a second signal would make them exit at once.
    if (signal === 'SIGINT') setTimeout(signalWorkers, 1000).unref();
    else signalWorkers();
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} else {
  // Each process (a single server or a cluster worker) opens its own database in buildApp
  // (databasePlugin), which closes it when the app closes.
  if (cluster.isPrimary) await sweepTempUploads(config.video_dir);
  const limiter = cluster.isWorker
    ? new ClusterLimiter(config.stream_max_connections, spareSlots(config.stream_max_connections, config.stream_workers))
    : undefined;
  const app = await buildApp(config, { limiter, tokenKeys });
  await runService(app, { name: 'streamserver', host: bindHost(config, 'stream'), port: config.stream_port });
}
