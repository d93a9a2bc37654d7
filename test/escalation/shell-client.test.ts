import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { sendSlashCommand, slashCommandBody } from '../harness/slack-requests';
import { BOT_TOKEN, SIGNING_SECRET } from '../harness/start-bot';
import { dmsTo, sleep } from './escalation-helpers';
import { spawnBotProcess, type BotProcess } from './fixtures/spawn-bot-process';
import type { BotProcessOptions } from './fixtures/bot-process';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI; stdin lines are written `gapMs` apart, so the process stays up across a deadline. */
function cli(args: string[], lines: string[], env: Record<string, string> = {}, gapMs = 0): Promise<Ran> {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error', ...env };
  for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'].filter((k) => !(k in env))) delete base[key];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', ...args], { env: base, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    void (async () => {
      for (const line of lines) {
        if (child.exitCode !== null) return;
        child.stdin.write(`${line}\n`);
        await sleep(gapMs);
      }
      child.stdin.end();
    })();
  });
}

/** Issue 10, item 4: the shell on the bot's config is a client; one bot per store. */
describe('the local shell on a real store, and a second bot on the same file', () => {
  let fake: FakeSlack;
  let capture: CaptureServer;
  let dir: string;
  const running: BotProcess[] = [];
  let options: BotProcessOptions;
  let configFile: string;

  beforeAll(async () => {
    fake = await startFakeSlack();
    capture = await startCaptureServer();
    dir = mkdtempSync(join(tmpdir(), 'stemedb-shell-client-'));
    const escalation = {
      levels: [
        { name: 'Primary on-call: Storage SRE', ackTimeout: '2s', slack: { users: ['USRE1'] } },
        { name: 'Secondary: Database engineer', ackTimeout: '30s', slack: { users: ['UDBE1'] } },
      ],
      repeat: { times: 0 },
      auditInterval: '1s',
    };
    options = { sqlitePath: join(dir, 'bot.sqlite'), slackApiUrl: fake.apiUrl, pagerdutyUrl: `${capture.url}/v2/enqueue`, nodes: ['stemedb-1'], escalation };
    configFile = join(dir, 'config.yml');
    // The same settings as the bot process: what an operator would pass to `stemedb-chatops shell`.
    writeFileSync(
      configFile,
      stringify({
        slack: { alertChannel: 'C0ALERTS' },
        stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] },
        escalation,
        store: { sqlitePath: options.sqlitePath },
      }),
    );
  });
  afterAll(async () => {
    for (const p of running) await p.stop();
    await fake?.close();
    await capture?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const p = await spawnBotProcess(options);
    running.push(p);
    return p;
  };

  it('leaves a page that fell due while the bot was down to the restarted bot, which sends it once', async () => {
    const bot = await start();
    await sendSlashCommand(bot.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: 'escalate stemedb-1 shell test', response_url: fake.responseUrl() }));
    await fake.waitFor(() => dmsTo(fake, 'USRE1')[0], 10_000);
    await bot.kill9();
    const outbox = () => {
      const db = new Database(options.sqlitePath, { readonly: true });
      const rows = db.prepare('SELECT kind, level, status, attempts FROM page_outbox ORDER BY id').all();
      db.close();
      return rows;
    };
    const before = outbox();

    // The shell stays open past level 2's deadline (2 s after level 1).
    const shell = await cli(['shell', '--config', configFile], ['status', 'status', 'exit'], {}, 2_000);
    expect(shell.code).toBe(0);
    expect(shell.stdout).toContain('Client of the store');
    expect(shell.stdout).toMatch(/Escalation: level 1 of 2 \(Primary on-call: Storage SRE\), not acknowledged/);
    expect(shell.stdout).not.toContain('Secondary: Database engineer* now');
    // Level 2 was not "delivered" by printing it (it is still the bot's to page), and a page the killed bot
    // had in flight was neither reset nor resent by the shell: the outbox is as the bot left it.
    expect(outbox()).toEqual(before);
    expect(before.some((r) => (r as { level: number | null }).level === 1)).toBe(false);
    expect(dmsTo(fake, 'UDBE1')).toHaveLength(0);

    const again = await start();
    await fake.waitFor(() => dmsTo(fake, 'UDBE1')[0], 15_000);
    await sleep(1_500);
    expect(dmsTo(fake, 'UDBE1')).toHaveLength(1);
    expect(dmsTo(fake, 'USRE1')).toHaveLength(1);
    await again.stop();
  }, 60_000);

  it('refuses a second bot on the same file and names the one holding it; a killed holder does not block', async () => {
    const first = await start();
    const second = await cli(['start', '--config', configFile], [], {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another stemedb-chatops process runs on ${options.sqlitePath}: pid ${first.child.pid} on ${hostname()}, since `);

    // The shell, a client, still works beside the bot.
    const shell = await cli(['shell', '--config', configFile], ['status', 'exit']);
    expect(shell.code).toBe(0);
    expect(shell.stdout).toContain('Open incidents');

    await first.kill9();
    const third = await start();
    expect(third.child.pid).not.toBe(first.child.pid);
    await third.stop();
  }, 60_000);
});
