import { describe, expect, it } from 'vitest';
import { blocksSize, LIMITS } from '../../src/render/blocks';
import { breakerDecision } from '../../src/compaction/circuit-breaker';
import { conditionAfter, errorRateBetween } from '../../src/compaction/closed-loop';
import type { CompactionLock } from '../../src/compaction/compaction-lock-store';
import { isCompactionDone, progressFraction } from '../../src/compaction/compaction-watch';
import { confirmView, parseConfirmValue, type ConfirmValue } from '../../src/compaction/compaction-views';
import type { LsmFigures } from '../../src/compaction/compaction-types';
import { evaluatePreconditions } from '../../src/compaction/preconditions';
import { closedLoopView, progressBar, progressView, summaryView, type RunInfo } from '../../src/compaction/progress-views';

const now = new Date('2026-11-03T14:00:00.000Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const lsm = (over: Partial<LsmFigures> = {}): LsmFigures => ({
  sstFiles: 812,
  totalBytes: 52e9,
  pendingBytes: 8e9,
  running: false,
  at: now.toISOString(),
  ...over,
});

describe('circuit breaker', () => {
  it('allows runs under the limit within the hour', () => {
    expect(breakerDecision([minutesAgo(10)], now, 2)).toEqual({ allowed: true, recent: 1 });
    expect(breakerDecision([minutesAgo(61), minutesAgo(70)], now, 2).allowed).toBe(true);
  });

  it('refuses the third run in an hour and says when the next one fits', () => {
    const decision = breakerDecision([minutesAgo(50), minutesAgo(10)], now, 2);
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.nextAllowedAt.toISOString()).toBe('2026-11-03T14:10:00.000Z');
    expect(decision.recent).toHaveLength(2);
  });
});

describe('preconditions', () => {
  const base = { node: 'stemedb-1', lock: undefined, breaker: { allowed: true as const, recent: 0 }, now };
  const roomy = { available: true as const, freeFraction: 0.5, availBytes: 50e9, sizeBytes: 100e9 };

  it('is ready for a reachable, idle node with room', () => {
    const pre = evaluatePreconditions({ ...base, stats: { ok: true, lsm: lsm() }, disk: roomy });
    expect(pre).toMatchObject({ ready: true, blockers: [], warnings: [] });
  });

  it('blocks an unreachable node, a running compaction, a held lock and the breaker', () => {
    const unreachable = evaluatePreconditions({ ...base, stats: { ok: false, reason: 'cannot reach stemedb-1' }, disk: roomy });
    expect(unreachable.blockers[0]).toContain('not reachable: cannot reach stemedb-1');
    const running = evaluatePreconditions({ ...base, stats: { ok: true, lsm: lsm({ running: true }) }, disk: roomy });
    expect(running.blockers[0]).toContain('already running');
    const lock = { node: 'stemedb-1', holder: 'U_BOB', acquiredAt: minutesAgo(3).toISOString() } as CompactionLock;
    const held = evaluatePreconditions({ ...base, lock, stats: { ok: true, lsm: lsm({ running: true }) }, disk: roomy });
    expect(held.blockers).toEqual(['<@U_BOB> has been compacting stemedb-1 since 13:57:00 UTC (3m 0s ago)']);
    const tripped = evaluatePreconditions({
      ...base,
      breaker: breakerDecision([minutesAgo(5), minutesAgo(4)], now, 2),
      stats: { ok: true, lsm: lsm() },
      disk: roomy,
    });
    expect(tripped.ready).toBe(false);
    expect(tripped.blockers[0]).toContain('`compaction.maxPerNodePerHour` = 2');
  });

  it('warns about low and unknown free space without blocking', () => {
    const low = evaluatePreconditions({
      ...base,
      stats: { ok: true, lsm: lsm() },
      disk: { available: true, freeFraction: 0.03, availBytes: 3e9, sizeBytes: 100e9 },
    });
    expect(low.ready).toBe(true);
    expect(low.warnings[0]).toContain('only 3.0% free');
    const unknown = evaluatePreconditions({ ...base, stats: { ok: true, lsm: lsm() }, disk: { available: false, reason: 'no ssh settings' } });
    expect(unknown.warnings[0]).toContain('unknown (no ssh settings)');
  });
});

describe('watching', () => {
  it('ends when the node stops compacting or, without that field, when nothing is pending', () => {
    expect(isCompactionDone(lsm({ running: true, pendingBytes: 0 }), { polls: 1, sawRunning: true })).toBe(false);
    expect(isCompactionDone(lsm({ running: false }), { polls: 2, sawRunning: true })).toBe(true);
    expect(isCompactionDone(lsm({ running: false }), { polls: 1, sawRunning: false })).toBe(false);
    expect(isCompactionDone(lsm({ running: null, pendingBytes: 5 }), { polls: 9, sawRunning: false })).toBe(false);
    expect(isCompactionDone(lsm({ running: null, pendingBytes: 0 }), { polls: 1, sawRunning: false })).toBe(true);
  });

  it('measures progress from pending bytes', () => {
    expect(progressFraction(lsm({ pendingBytes: 8e9 }), lsm({ pendingBytes: 2e9 }))).toBe(0.75);
    expect(progressFraction(lsm({ pendingBytes: 0 }), lsm())).toBeNull();
    expect(progressBar(0.3, 10)).toBe('▓▓▓░░░░░░░ 30%');
    expect(progressBar(1.7, 4)).toBe('▓▓▓▓ 100%');
  });
});

describe('closed loop', () => {
  it('says cleared, persists, worse or unknown', () => {
    expect(conditionAfter(0.04, 0.002)).toBe('cleared');
    expect(conditionAfter(0.04, 0.035)).toBe('persists');
    expect(conditionAfter(0.04, 0.08)).toBe('worse');
    expect(conditionAfter(null, 0.08)).toBe('persists');
    expect(conditionAfter(0.04, null)).toBe('unknown');
  });

  it('computes the alert rule rate between two counter scrapes', () => {
    const first = { atMs: 0, errors: { put: 10, get: 0 }, operations: { put: 1000, get: 1000 } };
    const second = { atMs: 5000, errors: { put: 50, get: 0 }, operations: { put: 2000, get: 2000 } };
    const reading = errorRateBetween(first, second);
    expect(reading.errorRate).toBeCloseTo(40 / 2000);
    expect(reading.windowSeconds).toBe(5);
    expect(errorRateBetween(first, { ...first, atMs: 1 }).errorRate).toBeNull();
  });
});

describe('views', () => {
  const run: RunInfo = { node: 'stemedb-1', force: true, holder: 'U_ALICE', incidentId: 'inc-abc123', startedAt: minutesAgo(1).toISOString(), before: lsm() };

  it('renders progress, summary and re-check within Slack limits, text complete on its own', () => {
    const progress = progressView(run, lsm({ pendingBytes: 2e9, sstFiles: 300, running: true }), null, now);
    expect(progress.progress).toBe(true);
    expect(progress.text).toContain('▓');
    expect(progress.text).toContain('SST files 300 (was 812)');
    const summary = summaryView(run, lsm({ sstFiles: 30, pendingBytes: 0, totalBytes: 2e9 }), 6200);
    expect(summary.text).toContain('SST files: 812 → 30');
    expect(summary.text).toContain('Pending compaction: 8.0 GB → 0 B');
    expect(summary.text).toContain('in 6.2s (run by <@U_ALICE>, force)');
    const recheck = closedLoopView(run, 'persists', { errorRate: 0.04, source: 'x' }, { errorRate: 0.03, windowSeconds: 5, summary: '' }, null);
    const button = JSON.stringify(recheck.blocks);
    expect(button).toContain('diagnosis_escalate');
    expect(button).toContain('inc-abc123');
    for (const view of [progress, summary, recheck]) expect(blocksSize(view.blocks!)).toBeLessThan(LIMITS.totalChars);
  });

  it('the Confirm and Cancel buttons carry only the pending id; stored values are validated when read back', () => {
    const value: ConfirmValue = {
      requestId: 'abcdef0123456789',
      node: 'stemedb-1',
      force: false,
      issuedAtMs: 1,
      counters: { atMs: 1, errors: { put: 1 }, operations: { put: 10 } },
    };
    const pre = evaluatePreconditions({
      node: 'stemedb-1',
      lock: undefined,
      breaker: { allowed: true, recent: 0 },
      now,
      stats: { ok: true, lsm: lsm() },
      disk: { available: false, reason: 'x' },
    });
    const view = confirmView(pre, value, 'pa_opaque0123456789');
    const values = [...JSON.stringify(view.blocks).matchAll(/"action_id":"compaction_(?:confirm|cancel)","value":"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual(['pa_opaque0123456789', 'pa_opaque0123456789']);
    expect(parseConfirmValue(value)).toEqual(value);
    for (const bad of ['', 'not json', {}, { requestId: 'x', node: 'n', force: 'yes', issuedAtMs: 1 }, [], null])
      expect(parseConfirmValue(bad)).toBeUndefined();
  });
});
