import { bindHost, loadConfigOrExit, openDatabase, runService } from '@video/shared';
import { buildApp } from './app.js';

const config = loadConfigOrExit('api');
const db = await openDatabase(config.database_url, (msg) => process.stderr.write(`api: ${msg}\n`));
const app = await buildApp(config, { db });
app.addHook('onClose', async () => db.close());
await runService(app, { name: 'api', host: bindHost(config, 'api'), port: config.api_port });
