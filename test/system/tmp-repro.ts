import net from 'node:net';
import { createTestDatabase } from '@video/shared/testing';
import { Site } from './harness/site.js';
import { SiteUser } from './harness/site-user.js';
import { bigMp4 } from './harness/media.js';
import { sleep } from './harness/service-process.js';
const db = await createTestDatabase('mysql');
const site = await Site.create({ databaseUrl: db.url });
await site.start();
const u = await SiteUser.fresh(site.web, 'rep').mustSignup();
const v = await u.mustCreateVideo();
const file = bigMp4(3 * 1024 * 1024);
const b = 'bnd';
const body = Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n`), file, Buffer.from(`\r\n--${b}--\r\n`)]);
async function keepAliveRun(label: string, killMid: boolean) {
  const s = net.connect({ host: '127.0.0.1', port: site.services.web.port });
  await new Promise((r) => s.once('connect', r));
  let buf = '';
  s.on('data', (d) => { buf += d.toString('latin1'); });
  s.write(`POST /upload/${v.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${u.cookie}\r\nContent-Type: multipart/form-data; boundary=${b}\r\nContent-Length: ${body.length}\r\n\r\n`);
  // send the body in 64 KB chunks, slowly at first so a kill lands mid-body
  let sent = 0;
  for (let off = 0; off < body.length; off += 65536) {
    const ok = s.write(body.subarray(off, off + 65536)); sent += 65536;
    if (killMid && off === 65536 * 4) { await site.services.streamserver.kill('SIGKILL'); }
    if (!ok) { const drained = await Promise.race([new Promise((r) => s.once('drain', () => r(true))), sleep(5000).then(() => false)]); if (!drained) { console.log(label, 'client body write stalled at', sent, 'bytes; got so far:', JSON.stringify(buf.slice(0, 120))); break; } }
    await sleep(5);
  }
  await sleep(500);
  console.log(label, 'first answer:', JSON.stringify(buf.split('\r\n')[0]));
  buf = '';
  s.write(`GET /api/user/${u.name} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${u.cookie}\r\n\r\n`);
  await sleep(5000);
  console.log(label, 'second request on same connection:', JSON.stringify(buf.split('\r\n')[0]), 'destroyed', s.destroyed);
  s.destroy();
}
await keepAliveRun('stream killed mid-upload:', true);
await site.services.streamserver.start();
await site.services.streamserver.kill('SIGKILL');
await keepAliveRun('stream already down:', false);
await site.stop(); await db.drop();
