import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, StorageCounters } from '../../sim/counters';
import { renderExposition } from '../../sim/exposition';
import { latencyCdf, latencyMean } from '../../sim/latency-curve';
import { LogLineGenerator } from '../../sim/log-lines';
import { logTemplatesFor, NOISE_LOGS } from '../../sim/log-templates';
import { createRng } from '../../sim/rng';
import { combineProfiles, HEALTHY_PROFILE, normalizeScenarios } from '../../sim/scenarios';

describe('scenario profiles', () => {
  it('treats healthy as no fault and orders faults', () => {
    expect(normalizeScenarios(['healthy'])).toEqual([]);
    expect(normalizeScenarios(['compaction_lag', 'healthy', 'disk_full', 'disk_full'])).toEqual(['disk_full', 'compaction_lag']);
  });

  it('combines faults as independent causes and takes the worst sizes', () => {
    const p = combineProfiles(['disk_full', 'compaction_lag']);
    expect(p.errors.put).toBeCloseTo(1 - 0.9995 * 0.97 * 0.98, 10);
    expect(p.errors.get).toBeCloseTo(0.0005, 10);
    expect(p.sstFiles).toBe(650);
    expect(p.pendingBytes).toBe(12e9);
    expect(p.writeAmplification).toBe(14);
  });

  it('lets errorFraction replace only the failing operations, or puts on a healthy node', () => {
    const hw = combineProfiles(['disk_full'], { errorFraction: 0.15 });
    expect(hw.errors).toEqual({ put: 0.15, get: 0.0005, delete: 0.15 });
    expect(combineProfiles(['healthy'], { errorFraction: 0.15 }).errors.put).toBe(0.15);
  });
});

describe('latency curves', () => {
  it('interpolates the CDF in log space between anchors', () => {
    const curve = [
      [0.001, 0],
      [0.01, 0.5],
      [0.1, 1],
    ] as const;
    expect(latencyCdf(curve, 0.0005)).toBe(0);
    expect(latencyCdf(curve, Math.sqrt(0.001 * 0.01))).toBeCloseTo(0.25, 10);
    expect(latencyCdf(curve, 0.01)).toBeCloseTo(0.5, 10);
    expect(latencyCdf(curve, 1)).toBe(1);
    expect(latencyMean(curve)).toBeGreaterThan(0.01);
    expect(latencyMean(curve)).toBeLessThan(0.1);
  });
});

describe('StorageCounters', () => {
  it('gives exact error fractions between any two instants', () => {
    const c = new StorageCounters(0, 400, HEALTHY_PROFILE);
    const lag = combineProfiles(['lock_contention']);
    c.advance(0, lag);
    const a = c.snapshot();
    c.advance(10_000, lag);
    const b = c.snapshot();
    const dOps = b.operations.put - a.operations.put;
    expect(dOps).toBe(4000);
    expect((b.errors.put - a.errors.put) / dOps).toBeCloseTo(lag.errors.put, 3);
    expect(b.errors.get - a.errors.get).toBe(2); // the healthy baseline only
  });

  it('keeps histogram buckets cumulative and the count equal to put operations', () => {
    const c = new StorageCounters(0, 400, combineProfiles(['lock_contention']));
    c.advance(1234);
    const s = c.snapshot();
    for (let i = 1; i < s.putDuration.buckets.length; i++) expect(s.putDuration.buckets[i]!).toBeGreaterThanOrEqual(s.putDuration.buckets[i - 1]!);
    expect(s.putDuration.count).toBeGreaterThanOrEqual(s.putDuration.buckets.at(-1)!);
    expect(s.putDuration.count).toBe(s.operations.put);
  });

  it('renders every family with HELP and TYPE lines', () => {
    const c = new StorageCounters(0, 400, HEALTHY_PROFILE);
    const text = renderExposition(c.snapshot(), { pendingCompactionBytes: 5e7, writeAmplification: 3 });
    for (const [name, type] of [
      ['stemedb_storage_operations_total', 'counter'],
      ['stemedb_storage_operation_errors_total', 'counter'],
      ['stemedb_storage_put_duration_seconds', 'histogram'],
      ['stemedb_storage_lock_wait_duration_seconds', 'histogram'],
      ['stemedb_lsm_pending_compaction_bytes', 'gauge'],
      ['stemedb_storage_write_amplification', 'gauge'],
      ['stemedb_lsm_compaction_duration_seconds', 'summary'],
      ['stemedb_assertions_indexed_total', 'counter'],
    ]) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(text.match(/stemedb_storage_put_duration_seconds_bucket\{operation="put",le="[^"]+"\}/g)).toHaveLength(LATENCY_BUCKETS.length + 1);
    expect(text).toContain('stemedb_lsm_compaction_duration_seconds{quantile="0.99"} 8\n');
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('LogLineGenerator', () => {
  it("emits lines at the templates' rates, in time order, however the window is cut", () => {
    const gen = new LogLineGenerator(createRng('t'));
    const templates = logTemplatesFor(['disk_full'], {});
    const lines = [
      ...gen.generate(templates, 0, 30_000),
      ...Array.from({ length: 30 }, (_, i) => gen.generate(templates, 30_000 + i * 1000, 31_000 + i * 1000)).flat(),
    ];
    const perSecond = templates.reduce((s, t) => s + t.perSecond, 0);
    expect(Math.abs(lines.length - perSecond * 60)).toBeLessThanOrEqual(templates.length);
    const times = lines.map((l) => Date.parse(l.split(' ')[0]!));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('logs only INFO noise for a healthy node, and unexplained errors for one given an errorFraction', () => {
    expect(logTemplatesFor([], {})).toEqual(NOISE_LOGS);
    expect(logTemplatesFor([], { errorFraction: 0.05 }).some((t) => t.level === 'ERROR')).toBe(true);
    expect(logTemplatesFor(['lock_contention'], { deadlocks: true }).some((t) => t.message(createRng('x')).includes('Deadlock detected in KV store'))).toBe(
      true,
    );
  });
});
