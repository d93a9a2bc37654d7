import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combineProfiles, SCENARIOS, type Scenario, type SimNodeOptions } from '../../sim';
import { diagnoseNode } from '../../src/diagnosis/diagnose-node';
import type { BotAction, CheckId, DiagnosisResult } from '../../src/diagnosis/types';
import { startSimRuntime, type SimRuntime } from './sim-runtime';

/** One node per scenario (named after it, `_` -> `-`), plus the variants the escalation criteria need. */
const node = (s: Scenario) => s.replace('_', '-');
const NODES: SimNodeOptions[] = [
  ...SCENARIOS.map((s) => ({ name: node(s), scenarios: [s] })),
  { name: 'mixed', scenarios: ['disk_full', 'compaction_lag'] },
  { name: 'errors-15', scenarios: ['disk_hardware'], errorFraction: 0.15 },
  { name: 'errors-5', scenarios: ['disk_hardware'], errorFraction: 0.05 },
  { name: 'rebooted', scenarios: ['disk_hardware'], rebootedSecondsAgo: 600 },
  { name: 'deadlocks', scenarios: ['lock_contention'], deadlocks: true },
];

const CRITICAL_CHECK: Record<Exclude<Scenario, 'healthy'>, CheckId> = {
  disk_full: 'logs',
  disk_hardware: 'disk',
  lsm_corruption: 'logs',
  lock_contention: 'locks',
  compaction_lag: 'lsm',
};
const ACTION: Record<Exclude<Scenario, 'healthy'>, BotAction> = {
  disk_full: 'compact',
  disk_hardware: 'escalate',
  lsm_corruption: 'escalate',
  lock_contention: 'slow_queries',
  compaction_lag: 'compact',
};

/** The simulator's overall error fraction: every operation runs at the same rate. */
function expectedRate(options: SimNodeOptions): number {
  const { errors } = combineProfiles(options.scenarios, { errorFraction: options.errorFraction });
  return (errors.put + errors.get + errors.delete) / 3;
}

describe('diagnoseNode against the simulator (local executor)', () => {
  let sim: SimRuntime;
  const results = new Map<string, DiagnosisResult>();
  const result = (name: string) => results.get(name)!;

  beforeAll(async () => {
    sim = await startSimRuntime(NODES);
    const all = await Promise.all(NODES.map((n) => diagnoseNode(sim.runtime.services, sim.node(n.name))));
    for (const r of all) results.set(r.node, r);
  });
  afterAll(async () => sim?.stop());

  it.each(SCENARIOS.filter((s) => s !== 'healthy'))('names %s as the primary cause, with evidence and its runbook steps', (scenario) => {
    const r = result(node(scenario));
    expect(r.verdict.causes.map((c) => c.cause)).toEqual([scenario]);
    expect(r.verdict.causes[0]!.evidence.length).toBeGreaterThanOrEqual(2);
    expect(r.verdict.severity).toBe('critical');
    expect(r.checks.find((c) => c.id === CRITICAL_CHECK[scenario])!.status).toBe('critical');
    expect(r.recommendations[0]!.action).toBe(ACTION[scenario]);
    const steps = r.recommendations[0]!.steps.join('\n');
    const { dataDir, apiUrl } = sim.node(node(scenario));
    expect(steps.includes(dataDir) || steps.includes(apiUrl)).toBe(true);
  });

  it.each(NODES.map((n) => [n.name, n] as const))('%s: measures the error rate the simulator produces', (name, options) => {
    expect(result(name).errorRate).toBeCloseTo(expectedRate(options), 2);
    expect(result(name).checks.every((c) => c.status !== 'unknown')).toBe(true);
  });

  it('says a healthy node is healthy: every check ok, nothing to do', () => {
    const r = result('healthy');
    expect(r.verdict).toMatchObject({ severity: 'ok', escalate: false, escalateReasons: [] });
    expect(r.verdict.causes.map((c) => c.cause)).toEqual(['healthy']);
    expect(r.checks.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(r.recommendations).toEqual([]);
  });

  it('ranks both causes of a node with two faults, each with its own evidence', () => {
    const { causes } = result('mixed').verdict;
    expect(causes.map((c) => c.cause).sort()).toEqual(['compaction_lag', 'disk_full']);
    const evidence = (cause: string) => causes.find((c) => c.cause === cause)!.evidence.join('\n');
    expect(evidence('disk_full')).toContain('"No space left on device"');
    expect(evidence('compaction_lag')).toMatch(/650 SST files/);
    expect(evidence('compaction_lag')).toMatch(/pending compaction 1\d\.\d GB \(> 10 GB\)/);
    expect(result('mixed').recommendations.map((r) => r.title)).toHaveLength(2);
  });

  it('reads the host the way the runbook does: SST files on disk, WAL segments, dmesg and SMART', () => {
    const lsm = result('compaction-lag').checks.find((c) => c.id === 'lsm')!.data;
    expect(lsm).toMatchObject({ sstFiles: 650, sstFilesSource: 'host', walSegments: 25, unavailable: [] });
    const disk = result('disk-hardware').checks.find((c) => c.id === 'disk')!.data;
    expect(disk).toMatchObject({ dmesg: { available: true, ioErrors: 27 }, smart: { available: true, reallocatedSectors: 312, pendingSectors: 27 } });
  });

  describe('escalation criteria', () => {
    it('error rate 15% -> escalate, saying it exceeds 10%', () => {
      const v = result('errors-15').verdict;
      expect(v.escalate).toBe(true);
      expect(v.escalateReasons.join('\n')).toMatch(/error rate 1[45]\.\d\d% exceeds 10%/);
    });

    it('error rate 5% -> no such reason', () => {
      expect(result('errors-5').errorRate).toBeGreaterThan(0.04);
      expect(result('errors-5').verdict.escalateReasons.join('\n')).not.toContain('exceeds 10%');
      expect(result('errors-5').verdict.escalate).toBe(false);
    });

    // Issue 9 item 4 (was: any corruption escalates): only corruption a WAL rebuild did not repair.
    it('LSM corruption alone -> no escalation; the rebuild is recommended and Escalate offered', () => {
      expect(result('lsm-corruption').verdict.escalate).toBe(false);
      expect(result('lsm-corruption').recommendations.map((r) => r.action)).toEqual(['escalate']);
      expect(result('lsm-corruption').recommendations[0]!.title).toContain('rebuild from WAL');
    });

    it('disk I/O errors after a reboot 10 min ago -> escalate; the same errors on a long-running host do not', () => {
      expect(result('rebooted').verdict.escalateReasons).toEqual(['disk I/O errors persist after a reboot 10 min ago (hardware failure)']);
      expect(result('disk-hardware').verdict.escalateReasons.join('\n')).not.toContain('persist after a reboot');
      expect(result('disk-hardware').verdict.escalate).toBe(false);
    });

    it('deadlocks -> escalate; lock timeouts alone do not', () => {
      expect(result('deadlocks').verdict.escalateReasons.join('\n')).toMatch(/deadlock detected in the KV store \(\d+ line\(s\)\)/);
      expect(result('lock-contention').verdict.escalate).toBe(false);
    });
  });
});
