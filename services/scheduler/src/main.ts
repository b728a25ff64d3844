import { bindHost, initErrorTracking, loadConfigOrExit, runService } from '@video/shared';
import { buildApp } from './app.js';

const config = loadConfigOrExit('scheduler');
await initErrorTracking(config, 'scheduler');
const app = await buildApp(config);
await runService(app, { name: 'scheduler', host: bindHost(config, 'scheduler'), port: config.scheduler_port });
