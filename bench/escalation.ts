/**
 * `escalation` benchmark (SPEC 4.4 figures): page lateness after its deadline (p50, p99; target p99 < 1 s),
 * normally and after a restart, and pages lost and doubled over >= 20 random SIGKILL points (target 0 and 0).
 * The bot runs as its own process (test/escalation/fixtures/bot-process.ts) against the fake Slack and a
 * PagerDuty/webhook capture server; lateness is measured where the page arrives, from the deadline stored
 * in the outbox. Run alone: `node --import tsx bench/escalation.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { startCaptureServer, type CaptureServer } from '../test/harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../test/harness/fake-slack';
import { sendSlashCommand, slashCommandBody } from '../test/harness/slack-requests';
import { SIGNING_SECRET } from '../test/harness/start-bot';
import { spawnBotProcess, type BotProcess } from '../test/escalation/fixtures/spawn-bot-process';

export const GROUP = ['USRE1', 'USRE2'];
export const LEVEL_USERS = [GROUP, ['UDBE1'], ['UPE1', 'UMGR1']];

export function chain(ackTimeout: string, repeatTimes: number, hookUrl: string) {
  return {
    levels: [
      { name: 'Primary on-call: Storage SRE', ackTimeout, slack: { userGroups: ['SSRE'] }, pagerduty: { routingKeyEnv: 'PD_KEY_PRIMARY' } },
      { name: 'Secondary: Database engineer', ackTimeout, slack: { users: ['UDBE1'] }, webhook: { url: hookUrl } },
      { name: 'Final: Principal engineer + on-call manager', ackTimeout, slack: { users: ['UPE1', 'UMGR1'] } },
    ],
    repeat: { every: '0s', times: repeatTimes },
    retry: { attempts: 5, initialDelay: '200ms', maxDelay: '2s' },
    auditInterval: '5s',
  };
}

/** A page as the receivers saw it: its idempotency key and when it arrived. */
export interface Arrival {
  key: string;
  channel: 'slack_dm' | 'pagerduty' | 'webhook';
  at: number;
}

export function arrivals(fake: FakeSlack, capture: CaptureServer): Arrival[] {
  const out: Arrival[] = [];
  for (const c of fake.calls('chat.postMessage')) {
    if (!c.ok || !String(c.body.channel).startsWith('D')) continue;
    const id = ((c.body.blocks as { block_id?: string }[] | undefined) ?? []).map((b) => b.block_id).find((b) => b?.startsWith('page:'));
    if (id) out.push({ key: id.slice('page:'.length), channel: 'slack_dm', at: c.at });
  }
  for (const r of capture.accepted('/v2/enqueue')) {
    const key = (r.body?.payload as { custom_details?: { page_key?: string } } | undefined)?.custom_details?.page_key;
    if (key) out.push({ key, channel: 'pagerduty', at: r.at });
  }
  for (const r of capture.accepted('/hook')) {
    if (r.body?.event === 'page') out.push({ key: String(r.headers['idempotency-key']), channel: 'webhook', at: r.at });
  }
  return out;
}

/** Every page the chain must send, derived from the config (not from the store under test). */
export function expectedKeys(escalationIds: string[], rounds: number): string[] {
  const keys: string[] = [];
  for (const esc of escalationIds) {
    for (let r = 1; r <= rounds; r++) {
      LEVEL_USERS.forEach((users, l) => users.forEach((u) => keys.push(`${esc}:L${l + 1}:R${r}:slack_dm:${u}`)));
      keys.push(`${esc}:L1:R${r}:pagerduty:PD_KEY_PRIMARY`, `${esc}:L2:R${r}:webhook:webhook`);
    }
  }
  return keys;
}

export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  dir: string;
  fake: FakeSlack;
  capture: CaptureServer;
  nodes: string[];
  start(): Promise<BotProcess>;
  close(): Promise<void>;
}

async function setup(nodes: string[], ackTimeout: string, repeatTimes: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-bench-escalation-'));
  const fake = await startFakeSlack();
  fake.setUserGroup('SSRE', GROUP);
  const capture = await startCaptureServer();
  const options = {
    sqlitePath: join(dir, 'bot.sqlite'),
    slackApiUrl: fake.apiUrl,
    pagerdutyUrl: `${capture.url}/v2/enqueue`,
    nodes,
    escalation: chain(ackTimeout, repeatTimes, `${capture.url}/hook`),
    // Slack's real pacing: one message a second per channel.
    channelIntervalMs: 1_000,
    logLevel: process.env.BENCH_LOG_LEVEL,
  };
  return {
    dir,
    fake,
    capture,
    nodes,
    start: () => spawnBotProcess(options, { PD_KEY_PRIMARY: 'pd-key' }),
    async close() {
      await fake.close();
      await capture.close();
      if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Escalations start `staggerMs` apart: they all page the same people, and Slack allows about one message a
 * second per channel (a DM is a channel), so chains paging someone in the same second measure Slack's pacing.
 */
async function escalateAll(run: Run, bot: BotProcess, staggerMs: number): Promise<void> {
  for (const [i, node] of run.nodes.entries()) {
    if (i > 0) await sleep(staggerMs);
    await sendSlashCommand(bot.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: `escalate ${node} bench`, response_url: run.fake.responseUrl() }));
  }
}

function readStore(run: Run, explainKeys: string[] = []) {
  const db = new Database(join(run.dir, 'bot.sqlite'), { readonly: true });
  const due = new Map(
    (db.prepare('SELECT idempotency_key AS key, due_at AS due FROM page_outbox WHERE reaches_human = 1').all() as { key: string; due: string }[]).map((r) => [
      r.key,
      Date.parse(r.due),
    ]),
  );
  // When each step's tick ran against its deadline: the scheduler's own lateness, before any I/O.
  const steps = (
    db.prepare("SELECT created_at AS created, due_at AS due FROM page_outbox WHERE kind = 'slack_thread'").all() as { created: string; due: string }[]
  ).map((r) => ({ late: Date.parse(r.created) - Date.parse(r.due) }));
  const escalations = db.prepare('SELECT id, status FROM escalations ORDER BY id').all() as { id: string; status: string }[];
  // What the outbox says about a page the receivers saw twice: how many attempts, and why the last one.
  const explained = explainKeys.map((key) => ({
    key,
    ...(db.prepare('SELECT attempts, last_error AS lastError FROM page_outbox WHERE idempotency_key = ?').get(key) as object),
  }));
  db.close();
  return { due, steps: steps.map((s) => s.late), escalations, explained };
}

/** Waits until every expected page has arrived (or the time is up: the missing ones count as lost). */
async function waitForPages(run: Run, count: number, rounds: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { escalations } = readStore(run);
    const seen = new Set(arrivals(run.fake, run.capture).map((a) => a.key));
    if (
      escalations.length === count &&
      escalations.every((e) => e.status === 'exhausted') &&
      expectedKeys(
        escalations.map((e) => e.id),
        rounds,
      ).every((k) => seen.has(k))
    )
      return;
    await sleep(250);
  }
}

const stats = (values: number[]) => ({ p50: quantile(values, 0.5), p99: quantile(values, 0.99), max: values.length > 0 ? Math.max(...values) : null });

/**
 * No kills: lateness of every page from its deadline. Chains take turns (each 3 s, started 3.2 s apart),
 * `overlapping` runs the same chains 1 s apart to show what Slack's per-channel pacing adds.
 */
async function normalRun(staggerMs: number): Promise<Record<string, unknown>> {
  const rounds = 2;
  const run = await setup(['stemedb-1', 'stemedb-2', 'stemedb-3', 'stemedb-4', 'stemedb-5', 'stemedb-6'], '500ms', rounds - 1);
  const bot = await run.start();
  try {
    await escalateAll(run, bot, staggerMs);
    await waitForPages(run, run.nodes.length, rounds, 60_000);
    const { due, steps, escalations } = readStore(run);
    const seen = arrivals(run.fake, run.capture);
    const lateness = seen.filter((a) => due.has(a.key)).map((a) => a.at - due.get(a.key)!);
    return {
      staggerMs,
      escalations: escalations.length,
      expectedPages: expectedKeys(
        escalations.map((e) => e.id),
        rounds,
      ).length,
      pages: seen.length,
      pageLatenessMs: stats(lateness),
      stepLatenessMs: stats(steps),
    };
  } finally {
    await bot.stop();
    await run.close();
  }
}

/** SIGKILL at random points while the chains run; restart at once on the same SQLite file each time. */
async function killRun(kills: number, seed: number): Promise<Record<string, unknown>> {
  const random = seeded(seed);
  // Long enough that every kill lands while chains are running.
  const rounds = 6;
  const run = await setup(['stemedb-1', 'stemedb-2', 'stemedb-3', 'stemedb-4'], '3s', rounds - 1);
  let bot = await run.start();
  const lives: { readyAt: number; killedAt: number | null }[] = [{ readyAt: bot.readyAt, killedAt: null }];
  try {
    await escalateAll(run, bot, 1_500);
    for (let i = 0; i < kills; i++) {
      await sleep(Math.floor(random() * 1_500));
      await bot.kill9();
      lives.at(-1)!.killedAt = Date.now();
      bot = await run.start();
      lives.push({ readyAt: bot.readyAt, killedAt: null });
    }
    const chainsRunningAtLastKill = readStore(run).escalations.filter((e) => e.status === 'active').length;
    await waitForPages(run, run.nodes.length, rounds, 120_000);
    await sleep(1_000);
    const { due, escalations } = readStore(run);
    const seen = arrivals(run.fake, run.capture);
    const expected = expectedKeys(
      escalations.map((e) => e.id),
      rounds,
    );
    const count = new Map<string, number>();
    for (const a of seen) count.set(a.key, (count.get(a.key) ?? 0) + 1);
    const lost = expected.filter((k) => !count.has(k));
    const doubled = [...count].filter(([, n]) => n > 1).map(([k]) => k);
    const byChannel = (ch: Arrival['channel']) => doubled.filter((k) => seen.find((a) => a.key === k)?.channel === ch).length;
    // A page due and sent by the same process: lateness from its deadline. A page that fell due while the bot
    // was down, or whose process was killed before it went out: how long after the restart that sent it.
    const lifeOf = (t: number) => lives.findIndex((l) => t >= l.readyAt && t < (l.killedAt ?? Infinity));
    const afterRestart: number[] = [];
    const sameProcess: number[] = [];
    for (const a of seen) {
      const d = due.get(a.key);
      if (d === undefined) continue;
      const sentBy = lifeOf(a.at);
      if (sentBy >= 0 && lifeOf(d) === sentBy) sameProcess.push(a.at - d);
      else if (sentBy >= 0) afterRestart.push(a.at - lives[sentBy]!.readyAt);
    }
    const restartMs = lives.slice(1).map((l, i) => l.readyAt - lives[i]!.killedAt!);
    return {
      killPoints: kills,
      chainsRunningAtLastKill,
      seed,
      escalations: escalations.length,
      expectedPages: expected.length,
      lost: lost.length,
      doubled: doubled.length,
      doubledByChannel: { slack_dm: byChannel('slack_dm'), pagerduty: byChannel('pagerduty'), webhook: byChannel('webhook') },
      lostKeys: lost.slice(0, 10),
      doubledKeys: readStore(run, doubled.slice(0, 10)).explained,
      restartDowntimeMs: stats(restartMs),
      carriedOverARestart: { pages: afterRestart.length, sentAfterRestartMs: stats(afterRestart) },
      sentBySameProcess: { pages: sameProcess.length, latenessMs: stats(sameProcess) },
    };
  } finally {
    await bot.stop();
    await run.close();
  }
}

export async function benchEscalation(): Promise<Record<string, unknown>> {
  const normal = await normalRun(3_200);
  const overlapping = await normalRun(1_000);
  const killed = await killRun(Number(process.env.BENCH_KILLS ?? 24), Number(process.env.BENCH_SEED ?? 20261123));
  return { bench: 'escalation', targets: { latenessP99Ms: 1_000, lost: 0, doubled: 0 }, normal, overlapping, killed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchEscalation().then(
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
