/**
 * Writes the shipped deploy/nginx/nginx.conf as test/system/scale renders it, for bench/scale.sh:
 *   node --import tsx bench/scale-balancer.ts DIR VIDEO_DIR LISTEN SPARE,SPARE,SPARE,SPARE STREAM[,STREAM]
 * LISTEN: the stream listener's port; the public and api listeners and the web and api upstreams
 * get the four SPARE ports (nothing answers there); STREAM: the stream servers' ports. Prints the
 * file's path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { balancerConfig, SHIPPED_CONFIG } from '../test/system/scale/nginx-process.js';

const [dir, videoDir, listen, spare, streams] = process.argv.slice(2);
if (!dir || !videoDir || !listen || !spare || !streams) throw new Error('usage: scale-balancer.ts DIR VIDEO_DIR LISTEN SPARE,SPARE,SPARE,SPARE STREAM[,STREAM]');
const [pub, api, web1, api1] = spare.split(',').map(Number);
const instances: Record<string, number> = { 'web-1': web1!, 'api-1': api1! };
streams.split(',').forEach((port, i) => (instances[`streamserver-${i + 1}`] = Number(port)));
mkdirSync(dir, { recursive: true });
const text = balancerConfig(readFileSync(SHIPPED_CONFIG, 'utf8'), { public: pub!, api: api!, stream: Number(listen), instances }, dir, videoDir);
const file = path.join(dir, 'nginx.conf');
// Errors to a file, so a failed run can be read after nginx has gone to the background.
writeFileSync(file, text.replace(/^error_log [^;]+;/m, `error_log ${path.join(dir, 'error.log')} warn;`));
process.stdout.write(`${file}\n`);
