import { EventEmitter } from 'node:events';
import type { Worker } from 'node:cluster';
import { describe, expect, it } from 'vitest';
import { ClusterLimiter, LimitBroker, spareSlots } from '../../src/limits/cluster-limiter.js';

/**
 * The primary and its workers wired through in-memory channels that deliver asynchronously, like
 * IPC does, so the broker's arithmetic is tested without forking processes.
 */
function wire(max: number, workers: number, spare: number) {
  const broker = new LimitBroker(max);
  const limiters: ClusterLimiter[] = [];
  const fakes: EventEmitter[] = [];
  for (let i = 0; i < workers; i++) {
    const workerSide = new EventEmitter() as EventEmitter & { send: (m: unknown) => boolean };
    const primarySide = new EventEmitter() as EventEmitter & { id: number; send: (m: unknown) => boolean; isConnected: () => boolean };
    primarySide.id = i + 1;
    primarySide.isConnected = () => true;
    primarySide.send = (m) => (setImmediate(() => workerSide.emit('message', m)), true);
    workerSide.send = (m) => (setImmediate(() => primarySide.emit('message', m)), true);
    broker.attach(primarySide as unknown as Worker);
    limiters.push(new ClusterLimiter(max, spare, workerSide as unknown as NodeJS.Process));
    fakes.push(primarySide);
  }
  return { broker, limiters, fakes };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('cluster limiter', () => {
  it('spare slots are none for small limits, at most 8', () => {
    expect(spareSlots(4, 2)).toBe(0);
    expect(spareSlots(200, 2)).toBe(8);
    expect(spareSlots(100, 4)).toBe(3);
  });

  it.each([
    [4, 2, 0],
    [40, 2, 2],
    [40, 3, 1],
  ])('never grants more than the global limit %i across %i workers (spare %i), and frees everything', async (max, workers, spare) => {
    const { broker, limiters } = wire(max, workers, spare);
    for (let round = 0; round < 5; round++) {
      const attempts = await Promise.all(Array.from({ length: max * 2 }, (_, i) => limiters[i % workers].tryAcquire()));
      const granted = attempts.filter(Boolean).length;
      expect(granted).toBeLessThanOrEqual(max);
      expect(granted).toBeGreaterThanOrEqual(max - (workers - 1) * spare);
      expect(broker.inUse()).toBeLessThanOrEqual(max);
      for (let i = 0; i < attempts.length; i++) if (attempts[i]) limiters[i % workers].release();
      await settle();
      expect(limiters.reduce((n, l) => n + l.inUse(), 0)).toBe(0);
      expect(broker.inUse()).toBeLessThanOrEqual(workers * spare);
    }
  });

  it("a dead worker's slots go back to the pool", async () => {
    const { broker, limiters, fakes } = wire(4, 2, 0);
    for (let i = 0; i < 4; i++) expect(await limiters[0].tryAcquire()).toBe(true);
    expect(await limiters[1].tryAcquire()).toBe(false);
    fakes[0].emit('exit');
    expect(broker.inUse()).toBe(0);
    expect(await limiters[1].tryAcquire()).toBe(true);
  });
});
