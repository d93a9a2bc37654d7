import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/exec/limiter';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('createLimiter', () => {
  it('never runs more than max at once, and runs everything in arrival order', async () => {
    let peak = 0;
    const limiter = createLimiter(3, (active) => (peak = Math.max(peak, active)));
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limiter.run(async () => {
          started.push(i);
          await tick();
          return i * 2;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
  });

  it('releases the slot when a task fails', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
    expect(limiter.active).toBe(0);
  });

  it('queues past the limit', async () => {
    const limiter = createLimiter(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const all = Promise.all([1, 2, 3].map(() => limiter.run(() => gate)));
    await tick();
    expect(limiter.active).toBe(2);
    expect(limiter.pending).toBe(1);
    release();
    await all;
    expect(limiter.pending).toBe(0);
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => createLimiter(0)).toThrow();
  });
});
