import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCluster } from '../sim';
import { simulatorConfigDocument } from '../src/app/demo-config';
import { createChartRenderer } from '../src/charts/chart-renderer';
import { diagnosisChart } from '../src/charts/chart-spec';
import type { Point } from '../src/charts/chart-types';
import { startFakeSlack, type FakeSlack } from '../test/harness/fake-slack';
import { postCommand, SIGNING_SECRET } from './post-command';
import { percentile, round, runConcurrent } from './stats';

const RENDERS = 200;
const CONCURRENCY = 20;
const REQUESTS_PER_ROUND = 60;
const ROUNDS = 4;

/** A 1-hour window at Prometheus's 15 s step, four series (all operations, put, get, delete), marks. */
function hourChart(seed: number) {
  const to = Date.now();
  const from = to - 3_600_000;
  const points = (f: (i: number) => number): Point[] => Array.from({ length: 240 }, (_, i) => [from + i * 15_000, Math.max(0, f(i))] as const);
  const wave = (k: number) => (i: number) => (i > 150 ? 0.02 + k * 0.005 : 0.002) + 0.004 * Math.sin(i / 9 + k + seed);
  const out = diagnosisChart(
    {
      node: 'stemedb-1',
      fromMs: from,
      toMs: to,
      source: 'prometheus',
      errorRate: { name: 'all operations', points: points(wave(0)) },
      errorRateByOperation: ['put', 'get', 'delete'].map((name, k) => ({ name, points: points(wave(k + 1)) })),
      missing: [],
    },
    'unknown',
    [
      { atMs: from + 150 * 15_000, label: 'alert fired' },
      { atMs: from + 200 * 15_000, label: 'escalated' },
    ],
  );
  if ('none' in out) throw new Error(out.none);
  return out.spec;
}

async function benchRender(niceness: number): Promise<Record<string, unknown>> {
  const renderer = createChartRenderer({ niceness });
  const loadBefore = loadavg()[0]!;
  try {
    const first = performance.now();
    await renderer.render(hourChart(0));
    const coldMs = performance.now() - first;
    for (let i = 0; i < 10; i++) await renderer.render(hourChart(i));
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RENDERS; i++) {
      const started = performance.now();
      bytes = (await renderer.render(hourChart(i))).length;
      times.push(performance.now() - started);
    }
    return {
      niceness,
      loadAverage1m: { before: round(loadBefore), after: round(loadavg()[0]!) },
      renders: RENDERS,
      series: 4,
      points: 4 * 240,
      coldStartMs: round(coldMs),
      p50Ms: round(percentile(times, 50)),
      p99Ms: round(percentile(times, 99)),
      maxMs: round(Math.max(...times)),
      pngBytes: bytes,
      targetP99Ms: 150,
    };
  } finally {
    await renderer.close();
  }
}

function startTarget(args: string[]): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ack-target.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const port = /PORT (\d+)/.exec(chunk.toString())?.[1];
      if (port) resolve({ child, url: new URL(`http://127.0.0.1:${port}/slack/events`) });
    });
    child.on('exit', (code) => reject(new Error(`ack target exited with ${code}`)));
  });
}

/** Waits until the fake Slack has seen no call for `quietMs`: the work the acks promised is done. */
async function quiet(fake: FakeSlack, quietMs = 2_000, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const n = fake.calls().length;
    if (n === last) return;
    if (Date.now() > deadline) throw new Error('the bots never went quiet');
    last = n;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/**
 * Ack latency of `/stemedb diagnose` (each followed by a chart when charts are on) at concurrency 20: a bare
 * Bolt app, the bot with charts off and the bot with charts on, each in its own process, rounds interleaved.
 */
async function benchAckWithCharts(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-charts-'));
  const fake = await startFakeSlack();
  const sim = await startCluster({ baseDir: join(dir, 'sim'), nodes: [{ name: 'stemedb-1', scenarios: ['disk_full'] }] });
  // Each bot process has its own store.
  const configFor = (name: string) => {
    const file = join(dir, `${name}.yml`);
    writeFileSync(
      file,
      stringify({ ...simulatorConfigDocument(sim, { sqlitePath: join(dir, `${name}.sqlite`), sampleSeconds: 0.5 }), slack: { alertChannel: 'C0ALERTS' } }),
    );
    return file;
  };
  const targets = {
    bare: await startTarget(['bare', fake.apiUrl, SIGNING_SECRET]),
    chartsOff: await startTarget(['bot', fake.apiUrl, SIGNING_SECRET, configFor('off'), 'off']),
    chartsOn: await startTarget(['bot', fake.apiUrl, SIGNING_SECRET, configFor('on'), 'on']),
  };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const samples: Record<keyof typeof targets, number[]> = { bare: [], chartsOff: [], chartsOn: [] };
  let uploads = 0;
  try {
    // Two samples 15 s apart give the charts-on bot a line to draw for every diagnosis of the run.
    await new Promise((r) => setTimeout(r, 17_000));
    for (const name of Object.keys(targets) as (keyof typeof targets)[])
      await runConcurrent(20, CONCURRENCY, () => postCommand(targets[name].url, agent, 'diagnose stemedb-1', fake.responseUrl('warmup')));
    await quiet(fake);
    for (let r = 0; r < ROUNDS; r++) {
      const order = (['bare', 'chartsOff', 'chartsOn'] as const).slice();
      if (r % 2 === 1) order.reverse();
      for (const name of order) {
        samples[name].push(
          ...(await runConcurrent(REQUESTS_PER_ROUND, CONCURRENCY, () =>
            postCommand(targets[name].url, agent, 'diagnose stemedb-1', fake.responseUrl('bench')),
          )),
        );
        await quiet(fake);
      }
    }
  } finally {
    agent.destroy();
    for (const t of Object.values(targets)) t.child.kill();
    await sim.stop();
    uploads = fake.uploads().filter((u) => u.completed).length;
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = (values: number[]) => ({ requests: values.length, p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)) });
  const [bare, off, on] = [summary(samples.bare), summary(samples.chartsOff), summary(samples.chartsOn)];
  return {
    command: '/stemedb diagnose stemedb-1 (sampleSeconds 0.5)',
    concurrency: CONCURRENCY,
    bareBolt: bare,
    chartsOff: off,
    chartsOn: on,
    chartsUploaded: uploads,
    ratioVsBare: {
      chartsOff: { p50: round(off.p50Ms / bare.p50Ms), p99: round(off.p99Ms / bare.p99Ms) },
      chartsOn: { p50: round(on.p50Ms / bare.p50Ms), p99: round(on.p99Ms / bare.p99Ms) },
    },
    ratioOnVsOff: { p50: round(on.p50Ms / off.p50Ms), p99: round(on.p99Ms / off.p99Ms) },
  };
}

/** `npm run bench charts`: render p50/p99 of a 1-hour 4-series chart, and ack latency with charts on. */
export async function benchCharts(): Promise<Record<string, unknown>> {
  // The render's own cost (normal priority), and as deployed (niced: slower only when the CPU is contended).
  return { bench: 'charts', render: await benchRender(0), renderNiced: await benchRender(10), ack: await benchAckWithCharts() };
}
