import { describe, expect, it } from 'vitest';
import { createBackgroundWork } from '../../src/slack/background-work';

describe('background work after an ack', () => {
  it('runs every task, at most `concurrency` at once, and reports idle', async () => {
    const work = createBackgroundWork({
      concurrency: 2,
      quietMs: 5,
      maxDelayMs: 50,
      onTaskError: (err) => {
        throw err;
      },
    });
    let active = 0;
    let maxActive = 0;
    const done: number[] = [];
    for (let i = 0; i < 6; i++) {
      work.run(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 10));
        active--;
        done.push(i);
      });
    }
    await work.idle();
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxActive).toBe(2);
  });

  it('holds new work while requests keep arriving, but not past maxDelayMs', async () => {
    const work = createBackgroundWork({
      concurrency: 4,
      quietMs: 30,
      maxDelayMs: 200,
      onTaskError: (err) => {
        throw err;
      },
    });
    let startedAt = 0;
    const queuedAt = Date.now();
    work.noteArrival();
    work.run(async () => void (startedAt = Date.now()));
    const arrivals = setInterval(() => work.noteArrival(), 10);
    await work.idle();
    clearInterval(arrivals);
    expect(startedAt - queuedAt).toBeGreaterThanOrEqual(150);
  });

  it('keeps going when a task throws, and reports the rejection instead of dropping it', async () => {
    const reported: unknown[] = [];
    const work = createBackgroundWork({ concurrency: 1, onTaskError: (err) => reported.push(err) });
    let ran = false;
    work.run(async () => {
      throw new Error('boom');
    });
    work.run((() => {
      throw new Error('thrown before any await');
    }) as () => Promise<unknown>);
    work.run(async () => void (ran = true));
    await work.idle();
    expect(ran).toBe(true);
    expect(reported.map((e) => (e as Error).message)).toEqual(['boom', 'thrown before any await']);
  });

  it('survives a reporter that throws', async () => {
    const work = createBackgroundWork({
      concurrency: 1,
      onTaskError: () => {
        throw new Error('log closed');
      },
    });
    let ran = false;
    work.run(async () => {
      throw new Error('boom');
    });
    work.run(async () => void (ran = true));
    await work.idle();
    expect(ran).toBe(true);
  });
});
