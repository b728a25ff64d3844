import { describe, expect, it } from 'vitest';
import { Channel, ChannelClosedError } from '../../src/taskrunner/channel.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Channel', () => {
  it('buffers up to capacity, then send waits until a receive frees a slot (back-pressure)', async () => {
    const ch = new Channel<number>(2);
    await ch.send(1);
    await ch.send(2);
    let third = false;
    const p = ch.send(3).then(() => {
      third = true;
    });
    await tick();
    expect(third).toBe(false);
    expect(ch.size).toBe(2);
    expect(await ch.receive()).toEqual({ value: 1, done: false });
    await p;
    expect(third).toBe(true);
    expect(ch.size).toBe(2);
  });

  it('hands a value straight to a waiting receiver', async () => {
    const ch = new Channel<string>(1);
    const r = ch.receive();
    await ch.send('a');
    expect(await r).toEqual({ value: 'a', done: false });
    expect(ch.size).toBe(0);
  });

  it('keeps order and drains buffered values after close, then ends iteration', async () => {
    const ch = new Channel<number>(3);
    await ch.send(1);
    await ch.send(2);
    ch.close();
    const seen: number[] = [];
    for await (const v of ch) seen.push(v);
    expect(seen).toEqual([1, 2]);
  });

  it('ends waiting receivers on close and rejects sends after it and blocked senders', async () => {
    const ch = new Channel<number>(1);
    const waiting = ch.receive();
    ch.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await expect(ch.send(1)).rejects.toBeInstanceOf(ChannelClosedError);

    const full = new Channel<number>(1);
    await full.send(1);
    const blocked = full.send(2);
    full.close();
    await expect(blocked).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('delivers every value exactly once to concurrent consumers', async () => {
    const ch = new Channel<number>(4);
    const got: number[] = [];
    const consumer = async () => {
      for await (const v of ch) {
        got.push(v);
        await tick();
      }
    };
    const consumers = Promise.all([consumer(), consumer(), consumer()]);
    for (let i = 0; i < 100; i++) await ch.send(i);
    ch.close();
    await consumers;
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it.each([0, -1, 1.5])('rejects capacity %s', (cap) => {
    expect(() => new Channel(cap)).toThrow(RangeError);
  });
});
