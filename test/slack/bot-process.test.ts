import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCluster, type SimCluster } from '../../sim';
import { simulatorConfigDocument } from '../../src/app/demo-config';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { sendSlashCommand, slashCommandBody } from '../harness/slack-requests';

const SECRET = 'process-test-signing-secret';

/** `npm start` as in production (HTTP mode), as a real process: health, readiness, a command, SIGTERM. */
describe('the bot process', () => {
  let dir: string;
  let fake: FakeSlack;
  let sim: SimCluster;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bot-process-'));
    fake = await startFakeSlack();
    sim = await startCluster({ baseDir: join(dir, 'sim'), nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'] }] });
    writeFileSync(
      join(dir, 'config.yml'),
      stringify({ ...simulatorConfigDocument(sim, { sqlitePath: join(dir, 'bot.sqlite') }), slack: { alertChannel: 'C0ALERTS' } }),
    );
  });
  afterAll(async () => {
    await sim.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts in HTTP mode, answers health and commands, and exits 0 on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SLACK_BOT_TOKEN: 'xoxb-process',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_RESPONSE_URL_PREFIX: `${fake.baseUrl}/response/`,
      PORT: '0',
      STEMEDB_CHATOPS_CONFIG: join(dir, 'config.yml'),
      ALERTMANAGER_TOKEN: 'a-long-enough-token-123',
    };
    delete env.SLACK_APP_TOKEN;
    const child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /"port":(\d+)[^\n]*stemedb-chatops started/.exec(out);
        if (match) clearInterval(timer), resolve(Number(match[1]));
      }, 50);
      setTimeout(() => (clearInterval(timer), reject(new Error(`no start-up line in:\n${out}`))), 20_000);
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      checks: [
        { name: 'store', ok: true },
        { name: 'slack', ok: true },
      ],
    });

    const res = await sendSlashCommand(`${base}/slack/events`, SECRET, slashCommandBody({ text: 'stats stemedb-1', response_url: fake.responseUrl() }));
    expect(res.status).toBe(200);
    const post = await fake.waitForCall('chat.postMessage');
    expect(String(post.body.text)).toContain('compaction is failing');
    expect(out).not.toContain('xoxb-process');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('shutting down');
  }, 60_000);
});
