/**
 * `diagnose` benchmark (SPEC 9): wall time of a full diagnosis vs its slowest single check, same run.
 * 1. The five checks replaced by checks with known delays (300-1500 ms): target total <= 1.3x the slowest
 *    check and overhead < 100 ms.
 * 2. The real checks against the simulator (one node per scenario, local executor, 1 s sampling): total vs
 *    the slowest real check, from each check's own durationMs.
 * Run alone: `node --import tsx bench/diagnose.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SCENARIOS, startCluster } from '../sim';
import { simulatorConfig } from '../src/app/demo-config';
import { createRuntime, type Runtime } from '../src/app/runtime';
import { parseConfig } from '../src/config/load-config';
import type { CheckOutcome } from '../src/diagnosis/checks/check';
import { diagnoseNode } from '../src/diagnosis/diagnose-node';
import { CHECK_IDS, type CheckId, type DiagnosisResult } from '../src/diagnosis/types';
import { createLogger } from '../src/ops/logger';
import { percentile, round } from './stats';

const DELAYS_MS: Record<CheckId, number> = { error_metrics: 300, logs: 600, disk: 900, lsm: 1200, locks: 1500 };
const SYNTHETIC_RUNS = 5;
const TARGET_RATIO = 1.3;
const TARGET_OVERHEAD_MS = 100;

interface RunFigures {
  wallMs: number;
  slowestCheckMs: number;
  slowestCheck: CheckId;
  sumOfChecksMs: number;
}

/** Wall time around diagnoseNode, and the checks' own durations from its result. */
async function timed(run: () => Promise<DiagnosisResult>): Promise<RunFigures> {
  const started = performance.now();
  const result = await run();
  const wallMs = performance.now() - started;
  const slowest = result.checks.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
  return { wallMs, slowestCheckMs: slowest.durationMs, slowestCheck: slowest.id, sumOfChecksMs: result.checks.reduce((s, c) => s + c.durationMs, 0) };
}

function summarize(runs: RunFigures[]) {
  const ratios = runs.map((r) => r.wallMs / r.slowestCheckMs);
  const overheads = runs.map((r) => r.wallMs - r.slowestCheckMs);
  return {
    runs: runs.length,
    wallMs: {
      median: round(
        percentile(
          runs.map((r) => r.wallMs),
          50,
        ),
        1,
      ),
      max: round(Math.max(...runs.map((r) => r.wallMs)), 1),
    },
    slowestCheckMs: {
      median: round(
        percentile(
          runs.map((r) => r.slowestCheckMs),
          50,
        ),
        1,
      ),
    },
    ratio: { median: round(percentile(ratios, 50), 3), max: round(Math.max(...ratios), 3), target: TARGET_RATIO },
    overheadMs: { median: round(percentile(overheads, 50), 1), max: round(Math.max(...overheads), 1), target: TARGET_OVERHEAD_MS },
    /** How much running the checks at once saves: the sum of the checks' times over the wall time. */
    concurrencyGain: round(
      percentile(
        runs.map((r) => r.sumOfChecksMs / r.wallMs),
        50,
      ),
      2,
    ),
    meetsTarget: Math.max(...ratios) <= TARGET_RATIO && Math.max(...overheads) < TARGET_OVERHEAD_MS,
  };
}

/** Checks that only wait their delay: what is measured is the runner around them. */
const delayedChecks = () =>
  Object.fromEntries(
    CHECK_IDS.map((id) => [
      id,
      () => new Promise<CheckOutcome>((resolve) => setTimeout(() => resolve({ status: 'ok', summary: `${id} done`, data: {} }), DELAYS_MS[id])),
    ]),
  ) as Record<CheckId, () => Promise<CheckOutcome>>;

async function syntheticRuns(dir: string): Promise<RunFigures[]> {
  // Never contacted: every check is replaced.
  const config = parseConfig(
    { stemedb: { nodes: [{ name: 'bench-1', apiUrl: 'http://127.0.0.1:9', local: true }] }, store: { sqlitePath: join(dir, 'synthetic.sqlite') } },
    'bench',
  );
  const runtime = await createRuntime({ config, log: createLogger('silent'), secret: () => undefined });
  try {
    const node = config.stemedb.nodes[0]!;
    await diagnoseNode(runtime.services, node, { checks: delayedChecks() }); // warm-up
    const runs: RunFigures[] = [];
    for (let i = 0; i < SYNTHETIC_RUNS; i++) runs.push(await timed(() => diagnoseNode(runtime.services, node, { checks: delayedChecks() })));
    return runs;
  } finally {
    await runtime.close();
  }
}

async function simulatorRuns(
  dir: string,
): Promise<{ runs: RunFigures[]; perScenario: Record<string, { wallMs: number; slowestCheck: CheckId; slowestCheckMs: number; cause: string }> }> {
  const cluster = await startCluster({
    baseDir: join(dir, 'sim'),
    nodes: SCENARIOS.map((s) => ({ name: s.replace('_', '-'), scenarios: [s], opsPerSecond: 2000 })),
  });
  let runtime: Runtime | undefined;
  try {
    const config = simulatorConfig(cluster, { sqlitePath: join(dir, 'sim.sqlite'), sampleSeconds: 1 });
    runtime = await createRuntime({ config, log: createLogger('silent'), secret: () => undefined });
    const services = runtime.services;
    await diagnoseNode(services, config.stemedb.nodes[0]!); // warm-up: first spawns, first HTTP connections
    const runs: RunFigures[] = [];
    const perScenario: Record<string, { wallMs: number; slowestCheck: CheckId; slowestCheckMs: number; cause: string }> = {};
    for (const node of config.stemedb.nodes) {
      let cause = '';
      const figures = await timed(async () => {
        const result = await diagnoseNode(services, node);
        cause = result.verdict.causes[0]!.cause;
        return result;
      });
      runs.push(figures);
      perScenario[node.name] = { wallMs: round(figures.wallMs, 1), slowestCheck: figures.slowestCheck, slowestCheckMs: figures.slowestCheckMs, cause };
    }
    return { runs, perScenario };
  } finally {
    await runtime?.close();
    await cluster.stop();
  }
}

export async function benchDiagnose(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-bench-diagnose-'));
  try {
    const synthetic = await syntheticRuns(dir);
    const simulator = await simulatorRuns(dir);
    return {
      bench: 'diagnose',
      synthetic: { checkDelaysMs: DELAYS_MS, ...summarize(synthetic) },
      simulator: { sampleSeconds: 1, executor: 'local', ...summarize(simulator.runs), perScenario: simulator.perScenario },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void benchDiagnose().then((result) => {
    console.log(JSON.stringify(result, null, 2));
    process.exit(0);
  });
}
