import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { startCluster } from '../sim';
import { simulatorConfigDocument } from '../src/app/demo-config';
import { startFakeSlack } from '../test/harness/fake-slack';
import { postCommand, SIGNING_SECRET } from './post-command';
import { percentile, round, runConcurrent } from './stats';

const CONCURRENCY = 20;
const REQUESTS_PER_ROUND = 400;
const ROUNDS = 4;
const COMMAND = process.env.BENCH_TEXT ?? 'stats stemedb-1';

/** True once every command so far got its answer (a post, an ephemeral or a response_url reply). */
function settled(fake: Awaited<ReturnType<typeof startFakeSlack>>): boolean {
  const answered = fake.calls('chat.postMessage').length + fake.responses().length;
  return answered >= expectedAnswers;
}
let expectedAnswers = 0;

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

/**
 * SPEC 9 `ack`: slash-command ack latency at concurrency 20 for this bot (`stats`, whose work runs after the
 * ack) beside a bare Bolt app that only acks: same run, same client, rounds interleaved, each app in its own
 * process; the fake Slack and the simulator run in this (the client's) process.
 */
export async function benchAck(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ack-'));
  const fake = await startFakeSlack();
  const sim = await startCluster({ baseDir: join(dir, 'sim'), nodes: [{ name: 'stemedb-1', scenarios: ['disk_full'] }] });
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, stringify({ ...simulatorConfigDocument(sim, { sqlitePath: join(dir, 'bot.sqlite') }), slack: { alertChannel: 'C0ALERTS' } }));
  const bare = await startTarget(['bare', fake.apiUrl, SIGNING_SECRET]);
  const bot = await startTarget(['bot', fake.apiUrl, SIGNING_SECRET, configFile]);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const targets = { bare: bare.url, bot: bot.url };
  const samples: Record<'bare' | 'bot', number[]> = { bare: [], bot: [] };
  try {
    for (const name of ['bare', 'bot'] as const)
      await runConcurrent(60, CONCURRENCY, () => postCommand(targets[name], agent, COMMAND, fake.responseUrl('warmup')));
    expectedAnswers += 60;
    await fake.waitFor(() => settled(fake), 120_000);
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 === 0 ? (['bare', 'bot'] as const) : (['bot', 'bare'] as const)) {
        if (name === 'bot') expectedAnswers += REQUESTS_PER_ROUND;
        samples[name].push(
          ...(await runConcurrent(REQUESTS_PER_ROUND, CONCURRENCY, () => postCommand(targets[name], agent, COMMAND, fake.responseUrl('bench')))),
        );
        // Let the bot finish the work its acks promised before the next round measures anyone.
        await fake.waitFor(() => settled(fake), 120_000);
      }
    }
  } finally {
    agent.destroy();
    bare.child.kill();
    bot.child.kill();
    await sim.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = (values: number[]) => ({
    requests: values.length,
    p50Ms: round(percentile(values, 50)),
    p99Ms: round(percentile(values, 99)),
    maxMs: round(Math.max(...values)),
  });
  const bareStats = summary(samples.bare);
  const botStats = summary(samples.bot);
  return {
    bench: 'ack',
    concurrency: CONCURRENCY,
    command: `/stemedb ${COMMAND}`,
    bareBolt: bareStats,
    bot: botStats,
    ratio: { p50: round(botStats.p50Ms / bareStats.p50Ms), p99: round(botStats.p99Ms / bareStats.p99Ms) },
    target: { p50: 1.2, p99: 1.5 },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchAck().then((r) => {
    console.log(JSON.stringify(r, null, 2));
    process.exit(0);
  });
}
