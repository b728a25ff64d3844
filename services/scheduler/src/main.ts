import { bindHost, loadConfigOrExit, openDatabase, runService } from '@video/shared';
import { buildApp } from './app.js';

const config = loadConfigOrExit('scheduler');
const db = await openDatabase(config.database_url, (msg) => process.stderr.write(`scheduler: ${msg}\n`));
const app = await buildApp(config, { db });
app.addHook('onClose', async () => db.close());
await runService(app, { name: 'scheduler', host: bindHost(config, 'scheduler'), port: config.scheduler_port });
