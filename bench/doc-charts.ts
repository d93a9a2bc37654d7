/**
 * Renders docs/charts/<cause>.png from the real simulator: each node runs healthy, then its fault (an
 * incident opens then: the "alert fired" mark), sampled by the bot every 5 s; then each node's diagnosis
 * chart is drawn exactly as a thread would get it. Takes about 11 minutes of wall time:
 *   node --import tsx bench/doc-charts.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../sim';
import type { FaultScenario } from '../sim/scenarios';
import { simulatorConfig } from '../src/app/demo-config';
import { createRuntime } from '../src/app/runtime';
import { createLogger } from '../src/ops/logger';

const FAULTS: FaultScenario[] = ['disk_full', 'disk_hardware', 'lsm_corruption', 'lock_contention', 'compaction_lag'];
const HEALTHY_MS = Number(process.env.DOC_HEALTHY_MS ?? 240_000);
const FAULTY_MS = Number(process.env.DOC_FAULTY_MS ?? 420_000);
const out = join(import.meta.dirname, '..', 'docs', 'charts');

const dir = mkdtempSync(join(tmpdir(), 'doc-charts-'));
const cluster = await startCluster({ baseDir: join(dir, 'sim'), nodes: FAULTS.map((_, i) => ({ name: `stemedb-${i + 1}`, scenarios: ['healthy'] })) });
const runtime = await createRuntime({
  config: simulatorConfig(cluster, { sqlitePath: join(dir, 'bot.sqlite') }),
  log: createLogger('warn'),
  secret: () => undefined,
  charts: { sampleAllNodes: true, sampleIntervalMs: 5_000 },
});
try {
  await runtime.start();
  await new Promise((r) => setTimeout(r, HEALTHY_MS));
  for (const [i, fault] of FAULTS.entries()) {
    cluster.node(`stemedb-${i + 1}`).setScenarios([fault]);
    await runtime.services.store.incidents.openOrGet(
      {
        node: `stemedb-${i + 1}`,
        title: `HighStorageErrorRate on stemedb-${i + 1}`,
        source: 'alert',
        alertname: 'HighStorageErrorRate',
        fingerprint: `doc-${i}`,
        episode: 'doc',
      },
      new Date(),
    );
  }
  await new Promise((r) => setTimeout(r, FAULTY_MS));
  mkdirSync(out, { recursive: true });
  for (const [i, fault] of FAULTS.entries()) {
    const charts = runtime.services.charts!;
    const outcome = await charts.diagnosisOutcome(`stemedb-${i + 1}`, fault);
    if ('none' in outcome) throw new Error(`${fault}: ${outcome.none}`);
    writeFileSync(join(out, `${fault}.png`), await charts.render(outcome.spec));
    console.log(`${fault}: ${outcome.summary}`);
  }
} finally {
  await runtime.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
