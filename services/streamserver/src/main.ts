import { loadConfigOrExit, openDatabase, runService } from '@video/shared';
import { buildApp } from './app.js';

const config = loadConfigOrExit('streamserver');
const db = await openDatabase(config.database_url, (msg) => process.stderr.write(`streamserver: ${msg}\n`));
const app = await buildApp(config, { db });
app.addHook('onClose', async () => db.close());
await runService(app, { name: 'streamserver', host: config.host, port: config.stream_port });
