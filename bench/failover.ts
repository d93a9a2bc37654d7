/**
 * `failover` benchmark (issue 13): N replica bot processes (test/escalation/fixtures/bot-process.ts) on one
 * store, the fake Slack and a PagerDuty/webhook capture server; 1,000 alerts in 100 Alertmanager groups over
 * 10 s sent to the replicas' webhooks round-robin (10% of the groups twice, the second copy to a different
 * replica), 20 escalation chains started by signed `/stemedb escalate <node>` commands, and a seeded chaos loop
 * that SIGKILLs a random replica every few seconds, restarts it, and once SIGSTOPs one past the lease TTL.
 *
 * Modes: `sqlite` (one process on one SQLite file: a second one is refused, so N = 1 and the chaos loop
 * kills and restarts that process; its one SIGSTOP stalls the whole bot, as nothing can take over) and
 * `postgres` (a throwaway server from test/harness/postgres.ts, DATABASE_URL passed to every replica: the
 * chaos loop kills and restarts replicas the same way, and another replica takes over what the victim held).
 *
 * Expected pages come from the inputs (chains whose command was answered, the chain config), never from the
 * store; the store is read only for each page's deadline (`page_outbox.due_at`), to measure lateness.
 * Run alone: `node --import tsx bench/failover.ts` (BENCH_FAILOVER_MODE, BENCH_FAILOVER_REPLICAS, BENCH_SEED,
 * BENCH_FAILOVER_PACE_MS; BENCH_FAILOVER_DUMP=<file> writes every Slack call and captured request there;
 * BENCH_FAILOVER_LOGS=<dir> keeps each replica's log, at BENCH_LOG_LEVEL or info, as <dir>/<replica>.log).
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startCaptureServer, type CaptureServer } from '../test/harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../test/harness/fake-slack';
import { startPostgres, type RunningPostgres } from '../test/harness/postgres';
import { FORM_CONTENT_TYPE, signSlackRequest, slashCommandBody } from '../test/harness/slack-requests';
import { SIGNING_SECRET } from '../test/harness/start-bot';
import type { BotProcessOptions } from '../test/escalation/fixtures/bot-process';
import { spawnBotProcess, type BotProcess } from '../test/escalation/fixtures/spawn-bot-process';
import { arrivals, chain, expectedKeys, GROUP, quantile, seeded, type Arrival } from './escalation';
import { watchMachineLoad } from './machine-load';
import { group, nodeName } from './storm';

export interface FailoverOptions {
  mode: 'sqlite' | 'postgres';
  replicas: number;
  groups: number;
  sendWindowMs: number;
  /** Every `1 / resentFraction`-th group is delivered twice, the copy to the next replica. */
  resentFraction: number;
  chains: number;
  chainStaggerMs: number;
  ackTimeout: string;
  rounds: number;
  /** The replicas' lease TTL: the SIGSTOP lasts this + 1.5 s. */
  leaseTtlMs: number;
  /** The chaos loop waits a random time in this range between disturbances. */
  chaosGapMs: [number, number];
  /** Disturbance number (0-based) that is a SIGSTOP instead of a SIGKILL. */
  stopAt: number;
  chaosMs: number;
  seed: number;
  /**
   * The per-channel pace the replicas are given. Slack allows about one message a second per channel; at that
   * pace the alert channel (20 escalation threads and the storm's headers, summaries and diagnoses, ~190
   * calls) takes over 3 minutes to drain, so the default is twice that: the figure checks the bot keeps the
   * pace it is given across restarts and replicas.
   */
  channelIntervalMs: number;
  settleTimeoutMs: number;
}

export const DEFAULTS: FailoverOptions = {
  mode: 'sqlite',
  replicas: 1,
  groups: 100,
  sendWindowMs: 10_000,
  resentFraction: 0.1,
  chains: 20,
  // Every chain pages the same five people: a DM channel takes one message a second, so chains start apart.
  chainStaggerMs: 2_000,
  ackTimeout: '3s',
  rounds: 1,
  leaseTtlMs: 3_000,
  chaosGapMs: [3_000, 6_000],
  stopAt: 2,
  chaosMs: 50_000,
  seed: 20261129,
  channelIntervalMs: 500,
  // The alert channel drains at its pace: pages' thread posts first, then alert headers and summaries. About
  // 310 calls at 2/s end 155-170 s after the start; the wait ends as soon as everything has arrived, so it
  // is long enough that an alert still queued is told from an alert lost.
  settleTimeoutMs: 240_000,
};

const CHANNEL = 'C0ALERTS';
const TOKEN = 'bench-alertmanager-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chainNode = (i: number) => `stemedb-e${String(i + 1).padStart(2, '0')}`;
const stats = (values: number[]) => ({
  n: values.length,
  p50: quantile(values, 0.5),
  p99: quantile(values, 0.99),
  max: values.length > 0 ? Math.max(...values) : null,
});

interface Replica {
  name: string;
  bot: BotProcess | null;
}

/** A time a replica could not work: killed until its successor was ready, or stopped until SIGCONT. */
interface Disturbance {
  replica: string;
  kind: 'SIGKILL' | 'SIGSTOP';
  from: number;
  to: number;
}

/** The store under test, read after the run: deadlines (lateness), and alert jobs left over (why an alert is not in Slack). */
interface DeadlineReader {
  dueAt(): Promise<Map<string, number>>;
  jobsLeft(): Promise<LeftJob[]>;
  close(): Promise<void>;
}

interface LeftJob {
  kind: string;
  target: string;
  status: string;
  attempts: number;
  last_error: string | null;
}
const JOBS_LEFT_SQL = 'SELECT kind, target, status, attempts, last_error FROM alert_jobs ORDER BY id LIMIT 20';

async function storeFor(
  mode: FailoverOptions['mode'],
  dir: string,
): Promise<{ options: Partial<BotProcessOptions>; env: Record<string, string>; deadlines: () => Promise<DeadlineReader>; stop(): Promise<void> }> {
  if (mode === 'sqlite') {
    const sqlitePath = join(dir, 'bot.sqlite');
    return {
      options: { sqlitePath },
      env: {},
      deadlines: async () => {
        const db = new Database(sqlitePath, { readonly: true });
        return {
          dueAt: async () =>
            new Map(
              (db.prepare('SELECT idempotency_key AS key, due_at AS due FROM page_outbox WHERE reaches_human = 1').all() as { key: string; due: string }[]).map(
                (r) => [r.key, Date.parse(r.due)],
              ),
            ),
          jobsLeft: async () => db.prepare(JOBS_LEFT_SQL).all() as LeftJob[],
          close: async () => {
            db.close();
          },
        };
      },
      stop: async () => undefined,
    };
  }
  const server: RunningPostgres = await startPostgres();
  const url = await server.createDatabase('failover');
  return {
    options: { postgresUrlEnv: 'DATABASE_URL' },
    env: { DATABASE_URL: url },
    deadlines: async () => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      return {
        dueAt: async () => {
          const { rows } = await pool.query<{ key: string; due: string }>(
            'SELECT idempotency_key AS key, (extract(epoch FROM due_at) * 1000)::bigint AS due FROM page_outbox WHERE reaches_human',
          );
          return new Map(rows.map((r) => [r.key, Number(r.due)]));
        },
        jobsLeft: async () => (await pool.query<LeftJob>(JOBS_LEFT_SQL)).rows,
        close: () => pool.end(),
      };
    },
    stop: () => server.stop(),
  };
}

/** POST with a timeout; a hung (stopped) or dead replica counts as an error for the retry loop. */
async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await res.text();
    return { status: res.status, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/**
 * Per channel (chat.* calls that name one): the most calls in any sliding 1 s window, and how many calls came
 * sooner than 90% of the pace after the previous one (a restarted or second replica that ignored the pace).
 */
function slackPace(fake: FakeSlack, intervalMs: number): Record<string, { max1s: number; underPace: number; minGapMs: number }> {
  const byChannel = new Map<string, number[]>();
  for (const c of fake.calls()) {
    if (!c.method.startsWith('chat.') || typeof c.body.channel !== 'string') continue;
    byChannel.set(c.body.channel, [...(byChannel.get(c.body.channel) ?? []), c.at]);
  }
  const out: Record<string, { max1s: number; underPace: number; minGapMs: number }> = {};
  for (const [channel, times] of byChannel) {
    times.sort((a, b) => a - b);
    let max1s = 0;
    let underPace = 0;
    let minGapMs = Infinity;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1_000) j++;
      max1s = Math.max(max1s, i - j + 1);
      if (i > 0) minGapMs = Math.min(minGapMs, times[i]! - times[i - 1]!);
      if (i > 0 && times[i]! - times[i - 1]! < 0.9 * intervalMs) underPace++;
    }
    out[channel] = { max1s, underPace, minGapMs: Number.isFinite(minGapMs) ? Math.round(minGapMs) : -1 };
  }
  return out;
}

/** Repeats of one page (same node/incident, level, round) at PagerDuty or the webhook, and whether each kept its key. */
function farSideRepeats(capture: CaptureServer) {
  const groups = (entries: { page: string; keys: string[] }[]) => {
    const byPage = new Map<string, Set<string>[]>();
    const counts = new Map<string, number>();
    for (const e of entries) {
      counts.set(e.page, (counts.get(e.page) ?? 0) + 1);
      const sets = byPage.get(e.page) ?? e.keys.map(() => new Set<string>());
      e.keys.forEach((k, i) => sets[i]!.add(k));
      byPage.set(e.page, sets);
    }
    const repeated = [...counts].filter(([, n]) => n > 1);
    return {
      repeats: repeated.reduce((sum, [, n]) => sum + n - 1, 0),
      pagesRepeated: repeated.length,
      allWithSameKey: repeated.every(([page]) => byPage.get(page)!.every((s) => s.size === 1)),
    };
  };
  const pd = capture.accepted('/v2/enqueue').filter((r) => r.body?.event_action === 'trigger');
  const hooks = capture.accepted('/hook').filter((r) => r.body?.event === 'page');
  return {
    pagerduty: groups(
      pd.map((r) => {
        const d = (r.body?.payload as { custom_details?: Record<string, unknown> } | undefined)?.custom_details ?? {};
        return { page: `${String(d.node)}:${String(d.level)}:${String(d.round)}`, keys: [String(r.body?.dedup_key), String(d.page_key)] };
      }),
    ),
    webhook: groups(
      hooks.map((r) => ({
        page: `${String(r.body?.incident)}:${String(r.body?.level)}:${String(r.body?.round)}`,
        keys: [String(r.headers['idempotency-key'])],
      })),
    ),
  };
}

/**
 * Thread headers in the alert channel against what the inputs allow: one per alert (a node's seven
 * DiskIOErrors devices are seven incidents under one title), one per incident, one escalation header per
 * chain, one storm summary per alert name. Every excess message is a duplicate thread.
 */
function alertThreads(fake: FakeSlack, alertsPerTitle: Map<string, number>) {
  const topLevel = fake.messages(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const tally = (keys: (string | undefined)[]) => {
    const n = new Map<string, number>();
    for (const k of keys) if (k) n.set(k, (n.get(k) ?? 0) + 1);
    return n;
  };
  const text = (m: { text?: string }) => String(m.text ?? '');
  const summaries = tally(topLevel.map((m) => /Alert storm: (\S+)/.exec(text(m))?.[1]));
  const escalations = tally(topLevel.map((m) => /Escalation: (\S+?)\*/.exec(text(m))?.[1]));
  const headers = topLevel
    .map((m) => ({ title: /^(\S+ on \S+) \(/.exec(text(m))?.[1], incident: /Incident (inc-[0-9a-f]+)/.exec(text(m))?.[1] }))
    .filter((h) => h.title && h.incident);
  const doubled: string[] = [];
  let excess = 0;
  for (const [title, n] of tally(headers.map((h) => h.title))) {
    const sameIncident = [...tally(headers.filter((h) => h.title === title).map((h) => h.incident)).values()].reduce((sum, k) => sum + k - 1, 0);
    const extra = Math.max(n - (alertsPerTitle.get(title) ?? 0), sameIncident);
    if (extra > 0) doubled.push(title);
    excess += extra;
  }
  for (const [key, n] of [...summaries, ...escalations]) {
    if (n > 1) doubled.push(key);
    excess += n - 1;
  }
  // An alert that is neither a header of its own nor counted on its node's line of its storm summary never reached Slack.
  const inSummaries = new Map<string, number>();
  for (const m of topLevel) {
    const name = /Alert storm: (\S+)/.exec(text(m))?.[1];
    if (!name) continue;
    for (const line of JSON.stringify(m.blocks ?? []).matchAll(/`(stemedb-\d+)`: (\d+) firing/g)) inSummaries.set(`${name} on ${line[1]}`, Number(line[2]));
  }
  const headersPerTitle = tally(headers.map((h) => h.title));
  const missing = [...alertsPerTitle]
    .map(([title, n]) => [title, Math.max(0, n - (headersPerTitle.get(title) ?? 0) - (inSummaries.get(title) ?? 0))] as const)
    .filter(([, n]) => n > 0);
  const alertsNotInSlack = missing.reduce((sum, [, n]) => sum + n, 0);
  return {
    duplicateAlertThreads: excess,
    duplicateThreadKeys: doubled.slice(0, 10),
    alertHeaders: headers.length,
    stormSummaries: summaries.size,
    escalationHeaders: escalations.size,
    alertsNotInSlack,
    alertsNotInSlackKeys: missing.slice(0, 10).map(([title]) => title),
  };
}

export async function benchFailover(given: Partial<FailoverOptions> = {}): Promise<Record<string, unknown>> {
  const o: FailoverOptions = { ...DEFAULTS, ...given };
  if (o.mode === 'sqlite' && o.replicas !== 1) throw new Error('sqlite mode runs one replica: a second process on the same SQLite file is refused');
  const random = seeded(o.seed);
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-bench-failover-'));
  const fake = await startFakeSlack();
  fake.setUserGroup('SSRE', GROUP);
  const capture = await startCaptureServer();
  const store = await storeFor(o.mode, dir).catch(async (err: unknown) => {
    await fake.close();
    await capture.close();
    throw err;
  });
  const alertNodes = Array.from({ length: o.groups }, (_, i) => nodeName(i));
  const chainNodes = Array.from({ length: o.chains }, (_, i) => chainNode(i));
  const options: BotProcessOptions = {
    ...store.options,
    slackApiUrl: fake.apiUrl,
    pagerdutyUrl: `${capture.url}/v2/enqueue`,
    nodes: [...alertNodes, ...chainNodes],
    escalation: chain(o.ackTimeout, o.rounds - 1, `${capture.url}/hook`),
    channelIntervalMs: o.channelIntervalMs,
    logLevel: process.env.BENCH_LOG_LEVEL ?? (process.env.BENCH_FAILOVER_LOGS ? 'info' : undefined),
    alertmanagerToken: TOKEN,
    // The lease the figures are measured against: a killed replica's pages wait this long, and the SIGSTOP outlasts it.
    leaseTtl: `${o.leaseTtlMs}ms`,
    // The bench measures paging and intake, not StemeDB: host checks fail at once instead of running here.
    hostChecks: false,
  };
  const env = { PD_KEY_PRIMARY: 'pd-key', ...store.env };
  const replicas: Replica[] = Array.from({ length: o.replicas }, (_, i) => ({ name: `r${i + 1}`, bot: null }));
  const disturbances: Disturbance[] = [];
  const logDir = process.env.BENCH_FAILOVER_LOGS;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const spawn = (r: Replica) => spawnBotProcess(options, env, 30_000, logDir ? (chunk) => appendFileSync(join(logDir, `${r.name}.log`), chunk) : undefined);
  let began = 0;
  try {
    // All settle before a failure is thrown, so the finally below stops every replica that did start.
    const spawned = await Promise.allSettled(replicas.map(async (r) => (r.bot = await spawn(r))));
    const failed = spawned.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    began = Date.now();
    const load = watchMachineLoad();
    const base = (i: number) => {
      const r = replicas[i % replicas.length]!;
      return r.bot ? new URL(r.bot.eventsUrl).origin : undefined;
    };

    // Intake: like Alertmanager, retry failures on the next replica until accepted. A replica being restarted
    // gets nothing (a load balancer's health check), a stopped one does and its requests time out (5 s).
    const intake: { ms: number; status: number }[] = [];
    const sendGroup = async (g: number, target: number, startsAt: string) => {
      const body = JSON.stringify(group(g, startsAt));
      for (let attempt = 0, deadline = Date.now() + 60_000; Date.now() < deadline; attempt++) {
        const origin = base(target + attempt);
        if (!origin) {
          await sleep(250);
          continue;
        }
        const res = await post(`${origin}/alertmanager`, { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body, 5_000);
        intake.push(res);
        if (res.status >= 200 && res.status < 300) return true;
        await sleep(250);
      }
      return false;
    };
    // Slash commands: Slack gives up after 3 s and the user types the command again (to whichever replica).
    const commands: { node: string; answered: boolean; attempts: number; statuses: number[] }[] = [];
    const escalate = async (i: number) => {
      const node = chainNodes[i]!;
      const entry = { node, answered: false, attempts: 0, statuses: [] as number[] };
      commands.push(entry);
      for (let deadline = Date.now() + 60_000; Date.now() < deadline && !entry.answered; entry.attempts++) {
        const origin = base(i + entry.attempts);
        if (!origin) {
          await sleep(250);
          continue;
        }
        const raw = new URLSearchParams(
          Object.entries(slashCommandBody({ text: `escalate ${node} failover bench`, response_url: fake.responseUrl(`esc-${node}`) })).filter(
            ([, v]) => v !== undefined,
          ),
        ).toString();
        const res = await post(`${origin}/slack/events`, { 'content-type': FORM_CONTENT_TYPE, ...signSlackRequest(SIGNING_SECRET, raw) }, raw, 3_000);
        entry.statuses.push(res.status);
        if (res.status === 200) entry.answered = true;
        else await sleep(250);
      }
    };

    const startsAt = new Date().toISOString();
    const every = Math.round(1 / o.resentFraction);
    const alertSends: Promise<boolean>[] = [];
    const alertsDone = (async () => {
      for (let g = 0; g < o.groups; g++) {
        await sleep(Math.max(0, began + (g * o.sendWindowMs) / o.groups - Date.now()));
        alertSends.push(sendGroup(g, g, startsAt));
        // A clustered Alertmanager: both peers deliver the group, the second one to another replica.
        if (g % every === 0) alertSends.push(sendGroup(g, g + 1, startsAt));
      }
      return Promise.all(alertSends);
    })();
    const chainsDone = (async () => {
      const sends: Promise<void>[] = [];
      for (let i = 0; i < o.chains; i++) {
        if (i > 0) await sleep(o.chainStaggerMs);
        sends.push(escalate(i));
      }
      await Promise.all(sends);
    })();

    // Chaos: seeded gaps and victims; one disturbance is a SIGSTOP past the lease TTL instead of a kill.
    const chaosEnd = began + o.chaosMs;
    for (let n = 0; ; n++) {
      await sleep(o.chaosGapMs[0] + random() * (o.chaosGapMs[1] - o.chaosGapMs[0]));
      if (Date.now() >= chaosEnd) break;
      const r = replicas[Math.floor(random() * replicas.length)]!;
      const from = Date.now();
      if (n === o.stopAt) {
        // Requests to it hang (no load balancer knows), as with a GC pause or a frozen VM.
        r.bot!.child.kill('SIGSTOP');
        await sleep(o.leaseTtlMs + 1_500);
        r.bot!.child.kill('SIGCONT');
        disturbances.push({ replica: r.name, kind: 'SIGSTOP', from, to: Date.now() });
      } else {
        const bot = r.bot!;
        r.bot = null;
        await bot.kill9();
        r.bot = await spawn(r);
        disturbances.push({ replica: r.name, kind: 'SIGKILL', from, to: r.bot.readyAt });
      }
    }
    const accepted = await alertsDone;
    await chainsDone;
    const started = commands.filter((c) => c.answered).map((c) => c.node);
    const expected = expectedKeys(started, o.rounds);

    // Which node each escalation pages for: PagerDuty's and the webhook's packets name it.
    const nodeOf = new Map<string, string>();
    const attribute = () => {
      for (const r of capture.accepted('/v2/enqueue')) {
        const d = (r.body?.payload as { custom_details?: { page_key?: string; node?: string } } | undefined)?.custom_details;
        if (d?.page_key && d.node) nodeOf.set(d.page_key.split(':')[0]!, d.node);
      }
      for (const r of capture.accepted('/hook')) {
        const d = r.body?.details as { node?: string } | undefined;
        const key = r.headers['idempotency-key'];
        if (typeof key === 'string' && d?.node) nodeOf.set(key.split(':')[0]!, d.node);
      }
    };
    const byNode = (a: Arrival) => {
      const [esc, ...rest] = a.key.split(':');
      const node = nodeOf.get(esc!);
      return node ? [node, ...rest].join(':') : undefined;
    };
    const alertsPerTitle = new Map<string, number>();
    for (const node of alertNodes) {
      for (const a of group(0, startsAt).alerts as { labels: { alertname: string } }[])
        alertsPerTitle.set(`${a.labels.alertname} on ${node}`, (alertsPerTitle.get(`${a.labels.alertname} on ${node}`) ?? 0) + 1);
    }
    for (const deadline = Date.now() + o.settleTimeoutMs; Date.now() < deadline; await sleep(500)) {
      attribute();
      const seen = new Set(arrivals(fake, capture).map(byNode));
      if (expected.every((k) => seen.has(k)) && alertThreads(fake, alertsPerTitle).alertsNotInSlack === 0) break;
    }
    // Late repeats (a resumed replica, a retried send) still count.
    await sleep(3_000);
    attribute();
    const endedAt = Date.now();
    const machine = load.stop();
    for (const r of replicas) r.bot?.child.kill('SIGCONT');
    await Promise.all(replicas.map((r) => r.bot?.stop()));

    if (process.env.BENCH_FAILOVER_DUMP) {
      writeFileSync(
        process.env.BENCH_FAILOVER_DUMP,
        JSON.stringify({ commands, disturbances, began, calls: fake.calls(), messages: fake.messages(), capture: capture.requests() }),
      );
    }
    const seen = arrivals(fake, capture);
    const seenKeys = new Set(seen.map(byNode));
    const lost = expected.filter((k) => !seenKeys.has(k));
    const expectedSet = new Set(expected);
    const dmCount = new Map<string, number>();
    for (const a of seen.filter((x) => x.channel === 'slack_dm')) dmCount.set(a.key, (dmCount.get(a.key) ?? 0) + 1);
    const dmsDoubled = [...dmCount].filter(([, n]) => n > 1).map(([k]) => k);

    // Lateness from each page's deadline (first arrival). Healthy: every replica up from deadline to arrival.
    const reader = await store.deadlines();
    const due = await reader.dueAt();
    const alertJobsLeft = await reader.jobsLeft();
    await reader.close();
    const first = new Map<string, number>();
    for (const a of seen) first.set(a.key, Math.min(first.get(a.key) ?? Infinity, a.at));
    const healthy: number[] = [];
    const disturbed: number[] = [];
    const sinceRecovery: number[] = [];
    // Pages past the takeover target (lease + 1 s), with what overlapped them: enough to explain an outlier.
    const latePages: { key: string; dueMs: number; lateMs: number; overlapping: string[] }[] = [];
    for (const [key, at] of first) {
      const d = due.get(key);
      if (d === undefined) continue;
      const overlapping = disturbances.filter((x) => x.from < at && x.to > d);
      if (overlapping.length === 0) healthy.push(at - d);
      else {
        disturbed.push(at - d);
        sinceRecovery.push(at - Math.max(...overlapping.map((x) => x.to)));
      }
      if (at - d > o.leaseTtlMs + 1_000) {
        latePages.push({
          key,
          dueMs: d - began,
          lateMs: at - d,
          overlapping: overlapping.map((x) => `${x.replica} ${x.kind} ${x.from - began}-${x.to - began}`),
        });
      }
    }
    const intakeOk = intake.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.ms);
    const pace = slackPace(fake, o.channelIntervalMs);
    return {
      bench: 'failover',
      store: o.mode,
      replicas: o.replicas,
      seed: o.seed,
      kills: disturbances.filter((x) => x.kind === 'SIGKILL').length,
      stops: disturbances.filter((x) => x.kind === 'SIGSTOP').length,
      chaos: disturbances.map((x) => ({ replica: x.replica, signal: x.kind, atMs: x.from - began, downMs: x.to - x.from })),
      workload: {
        alertGroups: o.groups,
        alerts: o.groups * 10,
        groupsDeliveredTwice: Math.ceil(o.groups / every),
        groupDeliveriesAccepted: accepted.filter(Boolean).length,
        groupDeliveriesGivenUp: accepted.filter((x) => !x).length,
        chainsCommanded: o.chains,
        chainsStarted: started.length,
        commandRetries: commands.reduce((sum, c) => sum + Math.max(0, c.statuses.length - 1), 0),
        chain: { levels: 3, ackTimeout: o.ackTimeout, rounds: o.rounds },
        leaseTtlMs: o.leaseTtlMs,
      },
      pages: {
        expected: expected.length,
        lost: lost.length,
        lostKeys: lost.slice(0, 10),
        unexpected: [...seenKeys].filter((k) => k === undefined || !expectedSet.has(k)).length,
      },
      slackDmsDoubled: dmsDoubled.length,
      slackDmsDoubledKeys: dmsDoubled.slice(0, 10),
      farSideRepeats: farSideRepeats(capture),
      ...alertThreads(fake, alertsPerTitle),
      pageLatenessMs: {
        allReplicasHealthy: stats(healthy),
        replicaKilledOrStopped: { ...stats(disturbed), sinceItWasBackMs: stats(sinceRecovery) },
        latePages: latePages.slice(0, 10),
      },
      slackCallsPerChannelPerSecond: {
        pace: 1_000 / o.channelIntervalMs,
        max: Math.max(0, ...Object.values(pace).map((p) => p.max1s)),
        underPace: Object.values(pace).reduce((sum, p) => sum + p.underPace, 0),
        minGapMs: Math.min(...Object.values(pace).map((p) => (p.minGapMs < 0 ? Infinity : p.minGapMs))),
        byChannel: pace,
      },
      intakeMs: {
        requests: intake.length,
        accepted: intakeOk.length,
        failedOrTimedOut: intake.length - intakeOk.length,
        ...stats(intakeOk.map((ms) => Math.round(ms))),
      },
      alertJobsLeft,
      alertChannelDrainedMs: Math.max(
        0,
        ...fake
          .calls()
          .filter((c) => c.body.channel === CHANNEL && c.method.startsWith('chat.'))
          .map((c) => c.at - began),
      ),
      durationMs: endedAt - began,
      machineLoad: machine,
    };
  } finally {
    for (const r of replicas) r.bot?.child.kill('SIGCONT');
    await Promise.all(replicas.map((r) => r.bot?.stop()));
    await fake.close();
    await capture.close();
    await store.stop();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench failover`: the single SQLite process, or (BENCH_FAILOVER_MODE=postgres) three replicas on PostgreSQL. */
export function failoverFromEnv(): Promise<Record<string, unknown>> {
  const mode = process.env.BENCH_FAILOVER_MODE === 'postgres' ? 'postgres' : 'sqlite';
  return benchFailover({
    mode,
    replicas: Number(process.env.BENCH_FAILOVER_REPLICAS ?? (mode === 'postgres' ? 3 : 1)),
    seed: Number(process.env.BENCH_SEED ?? DEFAULTS.seed),
    channelIntervalMs: Number(process.env.BENCH_FAILOVER_PACE_MS ?? DEFAULTS.channelIntervalMs),
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  failoverFromEnv().then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
