import { loadConfigOrExit, runService } from '@video/shared';
import { buildApp } from './app.js';

const config = loadConfigOrExit('web');
const app = await buildApp(config);
await runService(app, { name: 'web', host: config.host, port: config.web_port });
