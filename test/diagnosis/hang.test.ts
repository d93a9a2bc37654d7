import { afterAll, describe, expect, it } from 'vitest';
import { diagnoseNode } from '../../src/diagnosis/diagnose-node';
import type { DiskData } from '../../src/diagnosis/checks/disk';
import type { LogsData } from '../../src/diagnosis/checks/logs';
import type { DiagnosisResult } from '../../src/diagnosis/types';
import { startSimRuntime, type SimRuntime } from './sim-runtime';

/** Generous: this bounds correctness (the deadline holds), it does not measure speed. */
const MARGIN_MS = 3_000;

async function diagnoseHangingNode(limits: {
  deadlineSeconds: number;
  checkTimeoutSeconds: number;
}): Promise<{ sim: SimRuntime; result: DiagnosisResult; wallMs: number }> {
  const sim = await startSimRuntime([{ name: 'stemedb-1', scenarios: ['compaction_lag'], hangMs: 120_000 }], {
    edit: (doc) => {
      Object.assign(doc.diagnosis, limits);
      // The config requires StemeDB calls to time out before the check does.
      (doc.stemedb as Record<string, unknown>).requestTimeout = `${Math.min(5, limits.checkTimeoutSeconds) * 1000 - 500}ms`;
    },
  });
  const started = Date.now();
  const result = await diagnoseNode(sim.runtime.services, sim.node('stemedb-1'));
  return { sim, result, wallMs: Date.now() - started };
}

describe.concurrent('a node whose HTTP API hangs', () => {
  const sims: SimRuntime[] = [];
  afterAll(async () => Promise.all(sims.map((s) => s.stop())));

  it('is diagnosed within the deadline: the API checks unknown, the host checks reported with their data', async () => {
    const { sim, result, wallMs } = await diagnoseHangingNode({ deadlineSeconds: 4, checkTimeoutSeconds: 3 });
    sims.push(sim);
    expect(result.durationMs).toBeLessThan(4_000 + MARGIN_MS);
    expect(wallMs).toBeLessThan(4_000 + MARGIN_MS);
    const check = (id: string) => result.checks.find((c) => c.id === id)!;
    expect(check('error_metrics')).toMatchObject({ status: 'unknown', error: 'stemedb-1 did not answer GET /metrics within 2.5s' });
    expect(result.errorRate).toBeNull();

    expect(check('logs').status).toBe('warning');
    const logs = check('logs').data as LogsData;
    expect(logs.linesInWindow).toBeGreaterThan(100);
    expect(logs.storageErrors).toBeGreaterThan(0);
    expect(check('disk').status).toBe('ok');
    const disk = check('disk').data as DiskData;
    expect(disk.space).toMatchObject({ available: true });
    expect(disk.dmesg).toMatchObject({ available: true, ioErrors: 0 });

    // The API is silent, but the host still shows the lag: 650 SST files counted on disk.
    expect(check('lsm').data).toMatchObject({ sstFiles: 650, sstFilesSource: 'host', totalBytes: null });
    // Issue 9 item 3: the API not answering is the headline; the lag the host shows follows it.
    expect(result.verdict.causes.map((c) => c.cause)).toEqual(['api_unresponsive', 'compaction_lag']);
    expect(result.verdict.summary).toBe('StemeDB API on stemedb-1 not answering GET /metrics within 2.5s; the host shows: compaction falling behind');
    expect(result.verdict.severity).toBe('critical');
    expect(result.verdict.causes[1]!.evidence[0]).toContain('650 SST files');
  });

  it('holds to the overall deadline when it is shorter than the check timeout', async () => {
    const { sim, result } = await diagnoseHangingNode({ deadlineSeconds: 2, checkTimeoutSeconds: 30 });
    sims.push(sim);
    expect(result.durationMs).toBeLessThan(2_000 + MARGIN_MS);
    expect(result.checks.find((c) => c.id === 'error_metrics')!.error).toBe('did not finish within the 2s diagnosis deadline');
    expect(result.checks.find((c) => c.id === 'disk')!.status).toBe('ok');
  });
});
