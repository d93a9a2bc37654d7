import { describe, expect, it } from 'vitest';
import type { CheckEnv, CheckOutcome } from '../../src/diagnosis/checks/check';
import { runChecks } from '../../src/diagnosis/run-checks';
import { CHECK_IDS, type CheckId, type CheckResult } from '../../src/diagnosis/types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The replaced checks never read the environment. */
const env = {} as CheckEnv;
const ok = (summary: string): CheckOutcome => ({ status: 'ok', summary, data: { summary } });
const after = (ms: number, outcome: () => CheckOutcome | Promise<CheckOutcome>) => async () => {
  await sleep(ms);
  return outcome();
};
const allChecks = (make: (id: CheckId) => (env: CheckEnv) => Promise<CheckOutcome>) => Object.fromEntries(CHECK_IDS.map((id) => [id, make(id)]));

describe('runChecks', () => {
  it('runs all five at once and returns them in the runbook order, reporting each as it completes', async () => {
    let running = 0;
    let peak = 0;
    const delays: Record<CheckId, number> = { error_metrics: 250, logs: 50, disk: 150, lsm: 100, locks: 200 };
    const reported: CheckId[] = [];
    const results = await runChecks(env, {
      checkTimeoutMs: 5_000,
      deadlineMs: 10_000,
      onCheck: (r) => reported.push(r.id),
      checks: allChecks((id) => async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(delays[id]);
        running--;
        return ok(id);
      }),
    });
    expect(peak).toBe(5);
    expect(results.map((r) => r.id)).toEqual([...CHECK_IDS]);
    expect(reported).toEqual(['logs', 'lsm', 'disk', 'locks', 'error_metrics']);
    expect(results.every((r) => r.status === 'ok' && r.durationMs >= 40)).toBe(true);
  });

  it('turns a check that throws into unknown with the reason, without touching the others', async () => {
    const results = await runChecks(env, {
      checkTimeoutMs: 5_000,
      deadlineMs: 10_000,
      checks: { ...allChecks((id) => after(10, () => ok(id))), disk: async () => Promise.reject(new Error('ssh: connection refused')) },
    });
    expect(results.find((r) => r.id === 'disk')).toMatchObject({
      status: 'unknown',
      summary: 'not available: ssh: connection refused',
      error: 'ssh: connection refused',
      data: {},
    });
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(4);
  });

  it('gives up on a check at its own timeout and says which limit it hit', async () => {
    const never = () => new Promise<CheckOutcome>(() => undefined);
    const results = await runChecks(env, {
      checkTimeoutMs: 300,
      deadlineMs: 10_000,
      checks: { ...allChecks((id) => after(10, () => ok(id))), lsm: never },
    });
    const lsm = results.find((r) => r.id === 'lsm')!;
    expect(lsm).toMatchObject({ status: 'unknown', error: 'did not finish within its 0.3s timeout' });
    expect(lsm.durationMs).toBeGreaterThanOrEqual(290);
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(4);
  });

  it('holds every check to the overall deadline when it is shorter than the check timeout', async () => {
    const never = () => new Promise<CheckOutcome>(() => undefined);
    const reported: CheckResult[] = [];
    const results = await runChecks(env, { checkTimeoutMs: 5_000, deadlineMs: 300, onCheck: (r) => reported.push(r), checks: allChecks(() => never) });
    expect(results.map((r) => r.error)).toEqual(CHECK_IDS.map(() => 'did not finish within the 0.3s diagnosis deadline'));
    expect(reported).toHaveLength(5);
  });
});
