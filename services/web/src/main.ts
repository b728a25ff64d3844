import { bindHost, loadConfigOrExit } from '@video/shared/config';
import { initErrorTracking, runService } from '@video/shared/http';
import { buildApp } from './app.js';
import { buildMetricsApp } from './metrics-server.js';

const config = loadConfigOrExit('web');
await initErrorTracking(config, 'web');
// The production build (bin/web) points TEMPLATES_DIR at bin/templates; from the sources the
// repository's templates/ is the default.
const app = await buildApp(config, { templatesDir: process.env.TEMPLATES_DIR || undefined });
if (config.web_metrics_port !== 0) {
  const metrics = await buildMetricsApp(config);
  app.addHook('onClose', async () => metrics.close());
  await metrics.listen({ host: bindHost(config, 'web'), port: config.web_metrics_port });
}
await runService(app, { name: 'web', host: bindHost(config, 'web'), port: config.web_port });
