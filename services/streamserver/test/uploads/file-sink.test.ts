import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { EARLY_SYNC_BYTES, FileSink } from '../../src/uploads/file-sink.js';

const dir = mkdtempSync(path.join(tmpdir(), 'file-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openFds = () => readdirSync('/proc/self/fd').length;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('FileSink', () => {
  it('writes every byte in order, past several early syncs, and closes its descriptor', async () => {
    const block = randomBytes(1024 * 1024 + 7);
    const count = Math.ceil((2.5 * EARLY_SYNC_BYTES) / block.length);
    const hash = createHash('sha256');
    const fdsBefore = openFds();
    const file = path.join(dir, 'big');
    const sink = new FileSink(file, 1024 * 1024);
    let i = 0;
    await pipeline(
      new Readable({
        read() {
          if (i++ === count) return this.push(null);
          // Each chunk a little different, so an out-of-order write would show.
          const chunk = Buffer.from(block);
          chunk.writeUInt32BE(i, 0);
          hash.update(chunk);
          this.push(chunk);
        },
      }),
      sink,
    );
    expect(sink.bytesWritten).toBe(count * block.length);
    expect(sha(readFileSync(file))).toBe(hash.digest('hex'));
    expect(openFds()).toBe(fdsBefore);
  });

  it('never overwrites: an existing path is an error, and the file is untouched', async () => {
    const file = path.join(dir, 'exists');
    writeFileSync(file, 'keep');
    await expect(pipeline(Readable.from([Buffer.from('new')]), new FileSink(file, 1024))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(file, 'utf8')).toBe('keep');
  });

  it('a source that fails mid-way closes the descriptor once its writes are back', async () => {
    const fdsBefore = openFds();
    const file = path.join(dir, 'failed');
    let n = 0;
    const source = new Readable({
      read() {
        if (++n > 40) this.destroy(new Error('client went away'));
        else this.push(randomBytes(1024 * 1024));
      },
    });
    await expect(pipeline(source, new FileSink(file, 1024 * 1024))).rejects.toThrow('client went away');
    await new Promise((r) => setTimeout(r, 50));
    expect(openFds()).toBe(fdsBefore);
  });
});
