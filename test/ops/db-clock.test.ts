import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ops/clock';
import { createDbClock } from '../../src/ops/db-clock';
import { createLogger } from '../../src/ops/logger';
import { FakeClock } from '../harness/fake-clock';

/** A local clock whose reads of the database take `rtt` ms of local time each (the fake clock's own time stands still). */
function network(fake: FakeClock) {
  let spent = 0;
  const base: Clock = {
    now: () => fake.now() + spent,
    setTimeout: (cb, ms) => fake.setTimeout(cb, ms),
    setInterval: (cb, ms) => fake.setInterval(cb, ms),
    clear: (h) => fake.clear(h),
  };
  return {
    base,
    /** The database is `offset` ahead; the reply is stamped halfway through the round trip. */
    reader(state: { offset: number; rtts: number[]; fail?: boolean }) {
      let i = 0;
      return async () => {
        if (state.fail) throw new Error('connection refused');
        const rtt = state.rtts[i++ % state.rtts.length]!;
        const stamped = base.now() + rtt / 2 + state.offset;
        spent += rtt;
        return stamped;
      };
    },
  };
}

describe('the database clock', () => {
  it('is the local clock plus the offset to the database, each reading halved by its round trip, the shortest kept', async () => {
    const fake = new FakeClock();
    const net = network(fake);
    // An asymmetric slow sample would skew the estimate: the 4 ms round trip is kept, not the 400 ms one.
    const state = { offset: 5_000, rtts: [400, 4, 90] };
    const clock = createDbClock({ base: net.base, read: net.reader(state), log: createLogger('silent') });
    expect(clock.offsetMs()).toBe(0);
    await clock.start();
    expect(clock.offsetMs()).toBe(5_000);
    expect(clock.now()).toBe(net.base.now() + 5_000);
    clock.stop();
  });

  it('measures again every minute and keeps the last offset when the database does not answer', async () => {
    const fake = new FakeClock();
    const net = network(fake);
    const state = { offset: -1_200, rtts: [2], fail: false };
    const clock = createDbClock({ base: net.base, read: net.reader(state), log: createLogger('silent') });
    await clock.start();
    expect(clock.offsetMs()).toBe(-1_200);
    state.offset = 300; // NTP stepped one of the clocks
    await fake.advance(59_000);
    expect(clock.offsetMs()).toBe(-1_200);
    await fake.advance(1_000);
    expect(clock.offsetMs()).toBe(300);
    state.fail = true;
    await fake.advance(60_000);
    expect(clock.offsetMs()).toBe(300);
    clock.stop();
    state.fail = false;
    state.offset = 0;
    await fake.advance(120_000);
    expect(clock.offsetMs()).toBe(300); // stopped: no more measurements
  });
});
