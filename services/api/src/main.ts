import { bindHost, initErrorTracking, loadConfigOrExit, loadTokenKeysOrExit, runService } from '@video/shared';
import { buildApp } from './app.js';

const config = loadConfigOrExit('api');
await initErrorTracking(config, 'api');
const app = await buildApp(config, { tokenKeys: loadTokenKeysOrExit('api', config) });
await runService(app, { name: 'api', host: bindHost(config, 'api'), port: config.api_port });
