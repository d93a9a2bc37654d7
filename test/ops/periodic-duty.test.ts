import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger';
import { localDutyClaims, startPeriodicDuty } from '../../src/ops/periodic-duty';
import { FakeClock } from '../harness/fake-clock';

describe('a periodic duty in one process (SQLite)', () => {
  it('runs at start, then once per period however often it checks, never two runs at once', async () => {
    const clock = new FakeClock(Date.parse('2026-11-02T09:00:30Z'));
    const runs: string[] = [];
    let finishSlow!: () => void;
    let slow = false;
    const stop = startPeriodicDuty({
      duty: 'auditor',
      periodMs: 60_000,
      leaseMs: 60_000,
      checkEveryMs: 5_000,
      claims: localDutyClaims(clock),
      clock,
      log: createLogger('silent'),
      async run(turn) {
        runs.push(turn.period);
        if (slow) await new Promise<void>((resolve) => (finishSlow = resolve));
      },
    });
    await clock.advance(0);
    expect(runs).toHaveLength(1);
    await clock.advance(25_000); // 09:00:55: same period, checked five times
    expect(runs).toHaveLength(1);
    slow = true;
    await clock.advance(10_000); // 09:01:05: the next period's run starts and hangs
    expect(runs).toHaveLength(2);
    await clock.advance(60_000); // a new period while the run hangs: no second run beside it
    expect(runs).toHaveLength(2);
    finishSlow();
    slow = false;
    await clock.advance(0); // the hung run ends
    await clock.advance(5_000);
    expect(runs).toHaveLength(3);
    expect(new Set(runs).size).toBe(3);
    await stop();
    await clock.advance(300_000);
    expect(runs).toHaveLength(3);
  });
});
