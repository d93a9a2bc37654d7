import { describe, expect, it } from 'vitest';
import { decideVerdict } from '../../src/diagnosis/verdict';
import type { CheckResult } from '../../src/diagnosis/types';
import { checksWith, disk, errorMetrics, failed, freeSpace, locks, logs, lsm } from './check-builders';

const verdictOf = (checks: CheckResult[]) => decideVerdict(checks, { recentRebootMinutes: 60 });
const causesOf = (checks: CheckResult[]) => verdictOf(checks).causes.map((c) => c.cause);
const ops = (put: number, get: number) => ({
  put: { errors: put * 1000, operations: 1000, errorRate: put },
  get: { errors: get * 1000, operations: 1000, errorRate: get },
});

describe('decideVerdict', () => {
  it('calls a quiet node healthy, with evidence, severity ok and no escalation', () => {
    const v = verdictOf(checksWith());
    expect(v.causes).toHaveLength(1);
    expect(v.causes[0]!.cause).toBe('healthy');
    expect(v.causes[0]!.evidence.join(' ')).toMatch(/error rate 0\.05% .*no runbook error patterns.*40 SST files/);
    expect(v).toMatchObject({ severity: 'ok', escalate: false, escalateReasons: [] });
    expect(v.summary).toMatch(/^Healthy/);
  });

  it('ranks causes by the weight of their evidence, all evidence kept, the error rate on the primary', () => {
    const checks = checksWith(
      errorMetrics(0.03, ops(0.045, 0), 'critical'),
      logs({ 'No space left on device': 120 }),
      disk({ space: freeSpace(0.02) }),
      lsm({ sstFiles: 650 }),
    );
    const v = verdictOf(checks);
    expect(v.causes.map((c) => c.cause)).toEqual(['disk_full', 'compaction_lag']);
    const [full, lag] = v.causes;
    expect(full!.evidence).toEqual([
      '120 log line(s) "No space left on device" in the last 15 min',
      'data dir 2.0% free (20.0 GB left)',
      'writes fail (put errors 4.50%) while reads do not',
      'error rate 3.00% (worst: put)',
    ]);
    expect(lag!.evidence).toEqual(['650 SST files (runbook: > 500 means compaction is failing)']);
    expect(v.summary).toBe('Likely cause: disk space exhausted (also: compaction falling behind); error rate 3.00%');
    expect(v.severity).toBe('critical');
  });

  it('puts the heavier cause first whichever check found it', () => {
    const checks = checksWith(
      errorMetrics(0.02, ops(0.02, 0.02), 'critical'),
      logs({ 'Input/output error': 5 }),
      lsm({ sstFiles: 650, pendingCompactionBytes: 12e9, writeAmplification: 14 }),
    );
    expect(causesOf(checks)).toEqual(['compaction_lag', 'disk_hardware']);
  });

  it('needs evidence of weight 2 for a cause: one weak sign is not enough', () => {
    expect(causesOf(checksWith(lsm({ sstFiles: 150 })))).toEqual(['healthy']);
    expect(causesOf(checksWith(lsm({ sstFiles: 150, writeAmplification: 12 })))).toEqual(['compaction_lag']);
    expect(causesOf(checksWith(disk({ space: freeSpace(0.15) })))).toEqual(['healthy']);
    expect(causesOf(checksWith(disk({ space: freeSpace(0.03) })))).toEqual(['disk_full']);
    expect(causesOf(checksWith(locks({ lockWaitP99Seconds: 2 })))).toEqual(['healthy']);
    expect(causesOf(checksWith(locks({ lockWaitP99Seconds: 6 })))).toEqual(['lock_contention']);
    expect(causesOf(checksWith(locks({ slowQueries: 3 })))).toEqual(['healthy']);
    expect(causesOf(checksWith(disk({ smart: { available: true, reallocatedSectors: 8, pendingSectors: null } })))).toEqual(['disk_hardware']);
    expect(causesOf(checksWith(lsm({ pendingCompactionBytes: 11e9 })))).toEqual(['compaction_lag']);
  });

  it('adds corroborating evidence only to a cause that already has some', () => {
    const slow = verdictOf(checksWith(logs({ 'Failed to acquire write lock within timeout': 30 }), locks({ slowQueries: 1, lockWaitP99Seconds: 5.2 })));
    expect(slow.causes[0]!.evidence).toEqual([
      '30 log line(s) "Failed to acquire write lock within timeout" in the last 15 min',
      'lock wait p99 5.20 s',
      '1 slow query holding transactions open',
      'error rate 0.05%',
    ]);
    const readsFailToo = verdictOf(checksWith(errorMetrics(0.03, ops(0.03, 0.03)), logs({ 'No space left on device': 3 })));
    expect(readsFailToo.causes[0]!.evidence.join('\n')).not.toContain('while reads do not');
  });

  it('says unknown when errors exceed 1% and no runbook pattern matched ("If Errors Persist")', () => {
    const v = verdictOf(checksWith(errorMetrics(0.05, ops(0.1, 0), 'critical')));
    expect(v.causes).toEqual([{ cause: 'unknown', evidence: ['error rate 5.00% (> 1%) but no runbook pattern matched: runbook "If Errors Persist"'] }]);
    expect(v.severity).toBe('critical');
  });

  it('says unknown, not healthy, when nothing could be read', () => {
    const v = verdictOf((['error_metrics', 'logs', 'disk', 'lsm', 'locks'] as const).map((id) => failed(id, 'connection refused')));
    // Issue 9 item 1: the verdict names what could not be checked and why (was: "no check could read anything").
    expect(v.causes).toEqual([{ cause: 'unknown', evidence: ['error metrics, logs, disk, LSM and locks could not be checked (connection refused)'] }]);
    expect(v.summary).toBe('Not verified: error metrics, logs, disk, LSM and locks could not be checked (connection refused); error rate not available');
    expect(v.severity).toBe('warning');
  });

  it('says unknown, not healthy, when the error rate could not be measured', () => {
    const v = verdictOf(checksWith(failed('error_metrics', 'did not finish within its 3s timeout')));
    expect(v.causes[0]!.cause).toBe('unknown');
    expect(v.causes[0]!.evidence[0]).toContain('could not be measured (did not finish within its 3s timeout)');
    expect(v.severity).toBe('warning');
  });

  it('stays healthy when the window simply saw no operations', () => {
    const idle = { ...errorMetrics(null), status: 'unknown' as const, summary: 'not available: no operations in the sampling window' };
    const v = verdictOf(checksWith(idle));
    expect(v.causes[0]).toEqual({ cause: 'healthy', evidence: ['error rate not available', 'no runbook error patterns in the last 15 min', '40 SST files'] });
  });

  describe('partial data and recency (issue 9)', () => {
    const now = new Date('2026-11-29T13:49:37.000Z');
    const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
    const noSpace = (lastMinutesAgo: number) =>
      logs({ 'No space left on device': 900 }, { patternTimes: { 'No space left on device': { first: at(14), last: at(lastMinutesAgo) } } });
    const at0 = (checks: CheckResult[]) => decideVerdict(checks, { recentRebootMinutes: 60, now });

    it('is not healthy with a low rate when the logs and the disk could not be read', () => {
      const v = verdictOf(
        checksWith(failed('logs', 'host unreachable: ssh connect ECONNREFUSED'), failed('disk', 'host unreachable: ssh connect ECONNREFUSED')),
      );
      expect(v.causes.map((c) => c.cause)).toEqual(['unknown']);
      expect(v.severity).toBe('warning');
      expect(v.summary).toBe('Not verified: logs and disk could not be checked (host unreachable: ssh connect ECONNREFUSED); error rate 0.05%');
    });

    it('does not claim "no runbook pattern matched" for errors when the logs were not read', () => {
      const v = verdictOf(checksWith(errorMetrics(0.05, ops(0.1, 0), 'critical'), failed('logs', 'timed out')));
      expect(v.causes[0]!.evidence).toEqual(['error rate 5.00% (> 1%) and no cause found in what could be read', 'logs could not be checked (timed out)']);
      expect(v.severity).toBe('critical');
    });

    it('calls a cause recovering only when its lines stopped over 5 min ago, the rate is under 1% and the disk is no longer full', () => {
      const recovered = at0(checksWith(errorMetrics(0.0008), noSpace(7)));
      expect(recovered.causes).toEqual([
        {
          cause: 'disk_full',
          recovering: true,
          lastSeenAt: at(7),
          evidence: expect.arrayContaining(['errors stopped at 13:42:37 UTC (7 min ago); error rate 0.08% now']),
        },
      ]);
      expect(recovered.severity).toBe('warning');
      expect(recovered.summary).toBe('Recovering from disk space exhausted: errors stopped at 13:42:37 UTC (7 min ago); error rate 0.08% now');
      expect(at0(checksWith(errorMetrics(0.0008), noSpace(2))).causes[0]!.recovering).toBeUndefined();
      expect(at0(checksWith(errorMetrics(0.02), noSpace(7))).causes[0]!.recovering).toBeUndefined();
      expect(at0(checksWith(errorMetrics(0.0008), noSpace(7), disk({ space: freeSpace(0.01) }))).causes[0]!.recovering).toBeUndefined();
      expect(at0(checksWith(errorMetrics(0.0008), noSpace(7), failed('disk', 'x'))).causes[0]!.recovering).toBeUndefined();
    });

    it('lists an active cause before a recovering one, whatever the weights', () => {
      const v = at0(checksWith(errorMetrics(0.0008), noSpace(7), lsm({ sstFiles: 650 })));
      expect(v.causes.map((c) => [c.cause, c.recovering ?? false])).toEqual([
        ['compaction_lag', false],
        ['disk_full', true],
      ]);
      expect(v.summary).toBe('Likely cause: compaction falling behind (also: disk space exhausted (recovering)); error rate 0.08%');
    });
  });

  it('grades severity: critical when erroring or a check is critical, warning for a warning check or a cause', () => {
    expect(verdictOf(checksWith(errorMetrics(0.012))).severity).toBe('critical');
    expect(verdictOf(checksWith({ ...lsm({ sstFiles: 650 }), status: 'critical' })).severity).toBe('critical');
    expect(verdictOf(checksWith({ ...locks({ slowQueries: 2 }), status: 'warning' })).severity).toBe('warning');
    expect(verdictOf(checksWith(lsm({ sstFiles: 150, writeAmplification: 12 }))).severity).toBe('warning');
  });

  describe('escalation criteria (runbook "Escalate immediately if")', () => {
    it('error rate above 10%', () => {
      const v = verdictOf(checksWith(errorMetrics(0.15, ops(0.15, 0.15), 'critical'), logs({ 'Input/output error': 10 })));
      expect(v.escalate).toBe(true);
      expect(v.escalateReasons).toEqual(['error rate 15.00% exceeds 10% (critical data loss risk)']);
      expect(verdictOf(checksWith(errorMetrics(0.05))).escalate).toBe(false);
      expect(verdictOf(checksWith(errorMetrics(0.1))).escalateReasons).toEqual([]);
    });

    // Issue 9 item 4: corruption alone calls for the WAL rebuild (Escalate offered), not for paging the chain.
    it('LSM corruption the WAL rebuild did not repair, not corruption alone', () => {
      const v = verdictOf(checksWith(logs({ 'invalid SST file header': 2 })));
      expect(v.causes[0]!.cause).toBe('lsm_corruption');
      expect(v.escalateReasons).toEqual([]);
      const failedRebuild = logs(
        { 'invalid SST file header': 2 },
        { rebuild: { completedAt: null, failedAt: '2026-11-29T13:40:02.000Z', line: 'WAL rebuild failed' } },
      );
      expect(verdictOf(checksWith(failedRebuild)).escalateReasons).toEqual([
        'LSM corruption cannot be repaired from WAL: the rebuild failed at 13:40:02 UTC and corruption is still logged',
      ]);
      const times = { first: '2026-11-29T13:30:00.000Z', last: '2026-11-29T13:45:00.000Z' };
      const after = (completedAt: string) =>
        logs(
          { 'invalid SST file header': 2 },
          { patternTimes: { 'invalid SST file header': times }, rebuild: { completedAt, failedAt: null, line: 'rebuild complete' } },
        );
      expect(verdictOf(checksWith(after('2026-11-29T13:40:00.000Z'))).escalateReasons).toEqual([
        'LSM corruption persists after the WAL rebuild completed at 13:40:00 UTC (corruption logged until 13:45:00 UTC)',
      ]);
      expect(verdictOf(checksWith(after('2026-11-29T13:50:00.000Z'))).escalateReasons).toEqual([]);
    });

    it('any single operation over 10%, naming it, while the overall rate is under', () => {
      const v = verdictOf(checksWith(errorMetrics(0.07, ops(0.16, 0.01), 'critical'), logs({ 'No space left on device': 5 })));
      expect(v.escalateReasons).toEqual(['put 16.00% error rate exceeds 10% (overall 7.00%): critical data loss risk']);
    });

    it('disk I/O errors in dmesg on a host that rebooted recently, and only then', () => {
      const ioErrors = (uptimeSeconds: number | null) =>
        checksWith(disk({ dmesg: { available: true, ioErrors: 12, samples: ['[ 590.1] Buffer I/O error on dev sda1'] }, uptimeSeconds }));
      expect(verdictOf(ioErrors(600)).escalateReasons).toEqual(['disk I/O errors persist after a reboot 10 min ago (hardware failure)']);
      expect(verdictOf(ioErrors(600)).causes[0]!.cause).toBe('disk_hardware');
      expect(verdictOf(ioErrors(864_000)).escalateReasons).toEqual([]);
      expect(verdictOf(ioErrors(null)).escalateReasons).toEqual([]);
      expect(verdictOf(checksWith(disk({ uptimeSeconds: 600 }))).escalateReasons).toEqual([]);
    });

    it('deadlocks, not mere lock timeouts', () => {
      expect(verdictOf(checksWith(logs({ 'Deadlock detected': 4, 'Failed to acquire write lock within timeout': 9 }))).escalateReasons).toEqual([
        'deadlock detected in the KV store (4 line(s)): lock contention is cascading',
      ]);
      expect(verdictOf(checksWith(logs({ 'Failed to acquire write lock within timeout': 9 }))).escalate).toBe(false);
    });

    it('lists every reason that applies', () => {
      const rebuild = { completedAt: null, failedAt: '2026-11-29T13:40:02.000Z', line: 'WAL rebuild failed' };
      const v = verdictOf(
        checksWith(errorMetrics(0.2, ops(0.2, 0.2)), logs({ 'Corruption: block checksum mismatch': 3, 'Deadlock detected': 1 }, { rebuild })),
      );
      expect(v.escalateReasons).toHaveLength(3);
    });
  });

  it('is pure: the same checks give the same verdict and are left unchanged', () => {
    const checks = checksWith(errorMetrics(0.03, ops(0.045, 0)), logs({ 'No space left on device': 4 }), lsm({ sstFiles: 700 }));
    const before = structuredClone(checks);
    expect(verdictOf(checks)).toEqual(verdictOf(checks));
    expect(checks).toEqual(before);
  });
});
