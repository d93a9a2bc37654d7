/**
 * `storm` benchmark (SPEC 9): 1,000 alerts in 100 Alertmanager groups posted within 10 s (10 groups re-sent,
 * as Alertmanager retries), against the bot in its own process with a fake Slack that answers 429 now and then.
 * Reports intake latency, Slack calls, duplicates and dropped alerts (both must be 0), time to drain, peak RSS.
 * Run alone: `node --import tsx bench/storm.ts` (BENCH_STORM_PACE_MS: per-channel gap, default 50 ms).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { startFakeSlack, type FakeSlack } from '../test/harness/fake-slack';
import { percentile, round } from './stats';

const GROUPS = 100;
const ALERTS_PER_GROUP = 10;
const SEND_WINDOW_MS = 10_000;
const RESENT_GROUPS = 10;
const CHANNEL = 'C0ALERTS';
const TOKEN = 'bench-alertmanager-token-0123456789';
const PACE_MS = Number(process.env.BENCH_STORM_PACE_MS ?? 50);
const ALERTS = [
  'HighStorageErrorRate',
  'DiskSpaceWarning',
  'LSMCompactionLag',
  ...['sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf', 'sdg'].map((d) => `DiskIOErrors:${d}`),
];

export const nodeName = (i: number) => `stemedb-${String(i).padStart(3, '0')}`;

/** Alertmanager's payload for one group: the ten alerts of one node. */
export function group(i: number, startsAt: string): Record<string, unknown> {
  const alerts = ALERTS.slice(0, ALERTS_PER_GROUP).map((spec) => {
    const [alertname, device] = spec.split(':') as [string, string | undefined];
    const labels: Record<string, string> = { alertname, instance: nodeName(i), job: 'stemedb', severity: 'critical', ...(device ? { device } : {}) };
    return {
      status: 'firing',
      labels,
      annotations: { summary: `${alertname} on ${nodeName(i)}` },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: `${nodeName(i)}-${spec}`,
    };
  });
  return {
    version: '4',
    groupKey: `{}:{instance="${nodeName(i)}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'stemedb-chatops',
    groupLabels: { instance: nodeName(i) },
    commonLabels: { instance: nodeName(i) },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}

function startTarget(args: Record<string, unknown>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'storm-target.ts'), JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const port = /PORT (\d+)/.exec(chunk.toString())?.[1];
      if (port) resolve({ child, port: Number(port) });
    });
    child.once('exit', (code) => reject(new Error(`storm target exited with ${code}`)));
  });
}

/** Linux: the process's peak resident set (VmHWM), in MB. */
function peakRssMb(pid: number): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? round(Number(kb) / 1024, 1) : null;
  } catch {
    return null;
  }
}

/** Waits until Slack has seen no call for `quietMs` (the queue honours 1 s Retry-After pauses). */
async function waitQuiet(fake: FakeSlack, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = fake.calls().at(-1)?.at ?? 0;
    if (Date.now() - last > quietMs) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Slack traffic did not settle within ${timeoutMs} ms`);
}

export async function benchStorm(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-storm-'));
  const fake = await startFakeSlack();
  const sqlitePath = join(dir, 'bot.sqlite');
  const nodes = Array.from({ length: GROUPS }, (_, i) => ({ name: nodeName(i), apiUrl: `http://127.0.0.1:9/${i}` }));
  const config = { slack: { alertChannel: CHANNEL }, stemedb: { nodes }, store: { sqlitePath } };
  const { child, port } = await startTarget({ config, slackApiUrl: fake.apiUrl, token: TOKEN, paceMs: PACE_MS });
  const url = `http://127.0.0.1:${port}/alertmanager`;
  // A 429 every 1.5 s or so, only once the previous one was served (a backlog would rate-limit every call).
  let injected = 0;
  const rateLimits = setInterval(() => {
    if (fake.calls().filter((c) => c.status === 429).length < injected) return;
    fake.failNext(injected % 2 === 0 ? 'chat.postMessage' : 'chat.update', { status: 429, retryAfter: 1 });
    injected++;
  }, 1_500);
  try {
    const startsAt = new Date().toISOString();
    const latencies: number[] = [];
    const statuses: number[] = [];
    const failures: string[] = [];
    // Like Alertmanager: retry 5xx and connection errors (never 4xx); each attempt's latency and status counts.
    const send = async (i: number) => {
      const body = JSON.stringify(group(i, startsAt));
      for (let attempt = 1; attempt <= 5; attempt++) {
        const started = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body }).catch(
          (err: Error) => err,
        );
        const status = res instanceof Error ? 0 : res.status;
        const text = res instanceof Error ? res.message : await res.text();
        latencies.push(performance.now() - started);
        statuses.push(status);
        if (status >= 200 && status < 300) return;
        failures.push(`${status}: ${text.slice(0, 200)}`);
        if (status >= 400 && status < 500) return;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    };
    const began = Date.now();
    const sends: Promise<void>[] = [];
    const schedule = [...Array.from({ length: GROUPS }, (_, i) => i), ...Array.from({ length: RESENT_GROUPS }, (_, k) => k * (GROUPS / RESENT_GROUPS))];
    for (const [n, i] of schedule.entries()) {
      const due = began + (n * SEND_WINDOW_MS) / schedule.length;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      sends.push(send(i));
    }
    await Promise.all(sends);
    const sentInMs = Date.now() - began;
    await waitQuiet(fake, 4_000, 600_000);
    const drainedInMs = Date.now() - began - 4_000;
    const rss = peakRssMb(child.pid!);
    clearInterval(rateLimits);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    return {
      bench: 'storm',
      paceMsPerChannel: PACE_MS,
      sentInMs,
      drainedInMs,
      intake: { ...intakeFigures(latencies, statuses), failures: failures.slice(0, 5) },
      ...outcome(fake, sqlitePath),
      peakRssMb: rss,
    };
  } finally {
    clearInterval(rateLimits);
    child.kill('SIGKILL');
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function intakeFigures(latencies: number[], statuses: number[]) {
  return {
    requests: latencies.length,
    non2xx: statuses.filter((s) => s < 200 || s >= 300).length,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
  };
}

/** Counts what reached Slack against what the store says should have: duplicates and drops. */
function outcome(fake: FakeSlack, sqlitePath: string) {
  const db = new Database(sqlitePath, { readonly: true });
  try {
    const incidents = db
      .prepare('SELECT i.id, i.node, i.alertname, i.thread_ts, t.summary_id, t.diag_state FROM incidents i JOIN alert_threads t ON t.incident_id = i.id')
      .all() as { id: string; node: string; alertname: string; thread_ts: string | null; summary_id: number | null; diag_state: string }[];
    const jobsLeft = db.prepare('SELECT status, COUNT(*) AS n FROM alert_jobs GROUP BY status').all();
    const diagnoses = (
      db
        .prepare(
          "SELECT COUNT(DISTINCT i.node || json_extract(e.detail_json, '$.startedAt')) AS n FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE e.kind = 'diagnosed'",
        )
        .get() as { n: number }
    ).n;
    const messages = fake.messages(CHANNEL);
    const topLevel = messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const headersByIncident = new Map<string, number>();
    for (const m of topLevel) {
      const id = /Incident (inc-[0-9a-f]+)/.exec(String(m.text))?.[1];
      if (id) headersByIncident.set(id, (headersByIncident.get(id) ?? 0) + 1);
    }
    const summaries = topLevel.filter((m) => String(m.text).includes('Alert storm:'));
    // One diagnosis message per node per thread: a second one is a duplicate.
    const perThreadNode = new Map<string, number>();
    for (const m of messages.filter((x) => x.thread_ts && x.thread_ts !== x.ts)) {
      const node = /^(?:Diagnosing )?(stemedb-\d+)/.exec(String(m.text))?.[1];
      if (node) perThreadNode.set(`${m.thread_ts}:${node}`, (perThreadNode.get(`${m.thread_ts}:${node}`) ?? 0) + 1);
    }
    const own = incidents.filter((i) => i.summary_id === null);
    const summaryText = summaries.map((s) => JSON.stringify(s.blocks)).join('\n');
    const dropped = {
      notRecorded: GROUPS * ALERTS_PER_GROUP - incidents.length,
      withoutThread: incidents.filter((i) => !i.thread_ts).length,
      ownHeaderMissing: own.filter((i) => !headersByIncident.has(i.id)).length,
      stormNodeMissing: incidents.filter((i) => i.summary_id !== null && !summaryText.includes(`\`${i.node}\`:`)).length,
      diagnosisNotDelivered: incidents.filter((i) => !['done', 'shared', 'none'].includes(i.diag_state)).length,
    };
    const duplicates = {
      headers: [...headersByIncident.values()].filter((n) => n > 1).length,
      summaries: summaries.length - new Set(summaries.map((s) => /Alert storm: (\S+)/.exec(String(s.text))?.[1])).size,
      diagnosisMessages: [...perThreadNode.values()].filter((n) => n > 1).length,
    };
    const byMethod: Record<string, number> = {};
    for (const c of fake.calls()) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
    return {
      alerts: GROUPS * ALERTS_PER_GROUP,
      groups: GROUPS,
      resentGroups: RESENT_GROUPS,
      recorded: incidents.length,
      ownThreads: own.length,
      stormMembers: incidents.length - own.length,
      stormSummaries: summaries.length,
      diagnosesRun: diagnoses,
      slackCalls: { total: fake.calls().length, byMethod, rateLimited429: fake.calls().filter((c) => c.status === 429).length },
      duplicates: { total: duplicates.headers + duplicates.summaries + duplicates.diagnosisMessages, ...duplicates },
      dropped: { total: Object.values(dropped).reduce((a, b) => a + b, 0), ...dropped },
      jobsLeft,
    };
  } finally {
    db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void benchStorm().then((result) => console.log(JSON.stringify(result, null, 2)));
}
