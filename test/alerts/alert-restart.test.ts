import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type SimCluster } from '../../sim';
import { simulatorConfigDocument } from '../../src/app/demo-config';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from './alert-payloads';

const CHANNEL = 'C0ALERTS';

describe('alert threads survive a restart of the bot', () => {
  let dir: string;
  let fake: FakeSlack;
  let sim: SimCluster;
  let bot: TestBot | undefined;

  // A short lease: a restarted bot takes over the jobs its predecessor was running once their leases run out.
  const LEASE_TTL = '1s';
  const boot = () => startBot({ dir, fake, sim, config: { store: { leaseTtl: LEASE_TTL } }, routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)] });
  const headers = (): FakeMessage[] => fake.messages(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const replies = (header: FakeMessage): FakeMessage[] => fake.thread(CHANNEL, header.ts).slice(1);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stemedb-alert-restart-'));
    fake = await startFakeSlack();
    sim = await startCluster({
      baseDir: join(dir, 'sim'),
      nodes: [
        { name: 'stemedb-1', scenarios: ['disk_full'] },
        { name: 'stemedb-2', scenarios: ['disk_full'] },
      ],
    });
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    fake.outage(false);
    fake.reset();
  });
  afterAll(async () => {
    await sim?.stop();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves the right thread after a restart between firing and resolved', async () => {
    bot = await boot();
    await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-restart' })]));
    const header = await fake.waitFor(() => headers().find((m) => String(m.text).includes('HighStorageErrorRate on stemedb-1')));
    await fake.waitFor(() => replies(header).find((m) => String(m.text).includes('disk space exhausted')), 20_000);
    await bot.stop();

    bot = await boot();
    const res = await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-restart', status: 'resolved' })]));
    expect(res.body).toMatchObject({ resolved: 1 });
    await fake.waitFor(() => replies(header).find((m) => String(m.text).startsWith('Resolved:')));
    await bot.runtime.alerts.worker.idle();
    expect(headers()).toHaveLength(1);
    expect(String(fake.messages(CHANNEL).find((m) => m.ts === header.ts)!.text)).toMatch(/^RESOLVED: HighStorageErrorRate on stemedb-1/);
  });

  it('posts what was recorded before a crash once Slack and the bot are back, exactly once', async () => {
    bot = await boot();
    fake.outage(true);
    const res = await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-outage', labels: { alertname: 'DiskIOErrors' } })]));
    expect(res.status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.status === 503));
    await bot.stop();

    fake.outage(false);
    bot = await boot();
    const header = await fake.waitFor(() => headers().find((m) => String(m.text).includes('DiskIOErrors on stemedb-1')), 10_000);
    await fake.waitFor(() => replies(header).find((m) => String(m.text).includes('disk space exhausted')), 20_000);
    await bot.runtime.alerts.worker.idle();
    expect(headers().filter((m) => String(m.text).includes('DiskIOErrors'))).toHaveLength(1);
    expect(replies(header)).toHaveLength(1);
  });

  it('finishes a diagnosis interrupted by a restart in the same "diagnosing..." message', async () => {
    bot = await boot();
    // A node not diagnosed in the last minute, so its alert waits for a diagnosis of its own.
    await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-mid', labels: { alertname: 'LSMCompactionLag', instance: 'stemedb-2' } })]));
    const header = await fake.waitFor(() => headers().find((m) => String(m.text).includes('LSMCompactionLag on stemedb-2')));
    await fake.waitFor(() => replies(header).find((m) => String(m.text).startsWith('Diagnosing stemedb-2')));
    await bot.stop();

    bot = await boot();
    await fake.waitFor(() => replies(header).find((m) => String(m.text).includes('disk space exhausted')), 20_000);
    await bot.runtime.alerts.worker.idle();
    expect(replies(header)).toHaveLength(1);
    expect(fake.calls('chat.postMessage').filter((c) => c.body.thread_ts === header.ts && c.ok)).toHaveLength(1);
  });

  /** The alert thread's diagnosis state, read from another process's SQLite file. */
  const diagState = (sqlitePath: string): string | undefined => {
    const db = new Database(sqlitePath, { readonly: true });
    try {
      return (db.prepare('SELECT diag_state AS state FROM alert_threads').get() as { state: string } | undefined)?.state;
    } finally {
      db.close();
    }
  };

  /** The bot in its own process on `sqlitePath` (test/alerts/bot-process.ts); resolves with its port and a SIGKILL. */
  const spawnCrashBot = async (sqlitePath: string) => {
    const config = {
      ...simulatorConfigDocument(sim, { sqlitePath, sampleSeconds: 1 }),
      store: { sqlitePath, leaseTtl: LEASE_TTL },
      slack: { alertChannel: CHANNEL },
    };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'bot-process.ts'), JSON.stringify({ config, slackApiUrl: fake.apiUrl, token: WEBHOOK_TOKEN })],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const match = /PORT (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`bot process exited early (${code})`)));
    });
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      async kill9() {
        child.kill('SIGKILL');
        await exited;
      },
    };
  };

  it('takes over a diagnosis whose process was killed mid-run once its lease runs out, in the same message', async () => {
    // A store of its own: no recent diagnosis of the node to reuse.
    const own = mkdtempSync(join(tmpdir(), 'stemedb-alert-takeover-'));
    try {
      const crashed = await spawnCrashBot(join(own, 'bot.sqlite'));
      // The node answers slowly, so the diagnosis is still running when the process dies.
      // Long enough that a loaded CI machine still finds it running; the takeover runs with the hang lifted.
      sim.node('stemedb-2').setHang(15_000);
      try {
        await postWebhook(
          crashed.baseUrl,
          payload([alert({ fingerprint: 'fp-takeover', labels: { alertname: 'StorageLatencyHigh', instance: 'stemedb-2' } })]),
        );
        const header = await fake.waitFor(() => headers().find((m) => String(m.text).includes('StorageLatencyHigh on stemedb-2')));
        await fake.waitFor(() => replies(header).find((m) => String(m.text).startsWith('Diagnosing stemedb-2')));
        // Killed once the diagnose job holds the thread ('running'), not between the post and its record.
        await fake.waitFor(() => diagState(join(own, 'bot.sqlite')) === 'running', 30_000);
      } finally {
        await crashed.kill9();
        sim.node('stemedb-2').setHang(0);
      }
      const header = headers().find((m) => String(m.text).includes('StorageLatencyHigh on stemedb-2'))!;

      bot = await startBot({ dir: own, fake, sim, config: { store: { leaseTtl: LEASE_TTL } }, routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)] });
      await fake.waitFor(() => replies(header).find((m) => String(m.text).includes('disk space exhausted')), 20_000);
      await bot.runtime.alerts.worker.idle();
      expect(replies(header)).toHaveLength(1);
      // The dead holder's claim on the thread was released by the takeover, not left 'running' for good.
      expect(diagState(join(own, 'bot.sqlite'))).toBe('done');
      const takeovers = (await bot.runtime.metrics.leaseTakeovers.get()).values.find((v) => v.labels.kind === 'alert_job');
      expect(takeovers?.value).toBeGreaterThanOrEqual(1);
    } finally {
      await bot?.stop();
      bot = undefined;
      rmSync(own, { recursive: true, force: true });
    }
  }, 90_000);

  it('a header posted by a process killed before it recorded the ts is adopted by the takeover, not posted again', async () => {
    const own = mkdtempSync(join(tmpdir(), 'stemedb-alert-header-takeover-'));
    const isHeader = (m: FakeMessage) => String(m.text).includes('DiskIOErrors on stemedb-2');
    try {
      const crashed = await spawnCrashBot(join(own, 'bot.sqlite'));
      // Slack takes the header but its answer never comes back: the process dies between the post and its record.
      fake.loseAnswers('chat.postMessage', true);
      try {
        await postWebhook(
          crashed.baseUrl,
          payload([alert({ fingerprint: 'fp-header-takeover', labels: { alertname: 'DiskIOErrors', instance: 'stemedb-2' } })]),
        );
        await fake.waitFor(() => headers().find(isHeader));
      } finally {
        await crashed.kill9();
        fake.loseAnswers('chat.postMessage', false);
      }
      bot = await startBot({ dir: own, fake, sim, config: { store: { leaseTtl: LEASE_TTL } }, routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)] });
      const header = headers().find(isHeader)!;
      // The takeover found the header by its marker: the diagnosis goes in its thread, and no second header.
      await fake.waitFor(() => replies(header).find((m) => String(m.text).includes('disk space exhausted')), 20_000);
      await bot.runtime.alerts.worker.idle();
      expect(headers().filter(isHeader)).toHaveLength(1);
    } finally {
      await bot?.stop();
      bot = undefined;
      rmSync(own, { recursive: true, force: true });
    }
  }, 60_000);

  it('loses nothing when the process is killed (SIGKILL) right after answering 200', async () => {
    const crashed = await spawnCrashBot(join(dir, 'bot.sqlite'));
    try {
      fake.outage(true);
      const res = await postWebhook(crashed.baseUrl, payload([alert({ fingerprint: 'fp-kill', labels: { alertname: 'DiskSpaceWarning' } })]));
      expect(res.status).toBe(200);
    } finally {
      await crashed.kill9();
    }
    fake.outage(false);
    expect(fake.calls('chat.postMessage').filter((c) => c.ok)).toHaveLength(0);

    bot = await boot();
    const header = await fake.waitFor(() => headers().find((m) => String(m.text).includes('DiskSpaceWarning on stemedb-1')), 10_000);
    await fake.waitFor(() => replies(header).find((m) => String(m.text).includes('disk space exhausted')), 20_000);
    await bot.runtime.alerts.worker.idle();
    expect(headers().filter((m) => String(m.text).includes('DiskSpaceWarning'))).toHaveLength(1);
  }, 60_000);
});
