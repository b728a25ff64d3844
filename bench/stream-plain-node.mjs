// Reference point for bench/stream.sh: the least a Node server can do to answer a single byte
// range (one cached descriptor, createReadStream with 1 MiB reads, no framework, no checks).
// Usage: node bench/stream-plain-node.mjs PORT DIR
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [port, dir] = process.argv.slice(2);
const fds = new Map();
const sharedFdFs = { read: fs.read, close: (_fd, cb) => cb(null) };
http
  .createServer((req, res) => {
    const name = path.basename(req.url);
    let f = fds.get(name);
    if (!f) {
      const fd = fs.openSync(path.join(dir, name), 'r');
      f = { fd, size: fs.fstatSync(fd).size };
      fds.set(name, f);
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), f.size - 1) : f.size - 1;
    const headers = { 'content-length': end - start + 1, 'content-type': 'video/mp4' };
    if (m) headers['content-range'] = `bytes ${start}-${end}/${f.size}`;
    res.writeHead(m ? 206 : 200, headers);
    fs.createReadStream('', { fd: f.fd, fs: sharedFdFs, start, end, highWaterMark: 1 << 20, autoClose: false }).pipe(res);
  })
  .listen(Number(port), '127.0.0.1');
