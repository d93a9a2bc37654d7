import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCluster, type SimCluster } from '../../sim';
import { simulatorConfigDocument } from '../../src/app/demo-config';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { sendSignedBody, sendSlashCommand } from '../harness/slack-requests';
import { MALFORMED_BODIES } from './request-corpus';

const SECRET = 'hostile-process-signing-secret';

/** Issue 11 item 1: `npm start` as a real process; a signed `payload=null` used to end it. */
describe('the bot process under hostile requests', () => {
  let dir: string;
  let fake: FakeSlack;
  let sim: SimCluster;
  let child: ChildProcess;
  let out = '';
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostile-process-'));
    fake = await startFakeSlack();
    sim = await startCluster({ baseDir: join(dir, 'sim'), nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'] }] });
    writeFileSync(
      join(dir, 'config.yml'),
      stringify({ ...simulatorConfigDocument(sim, { sqlitePath: join(dir, 'bot.sqlite') }), slack: { alertChannel: 'C0ALERTS' } }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SLACK_BOT_TOKEN: 'xoxb-hostile',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_RESPONSE_URL_PREFIX: `${fake.baseUrl}/response/`,
      PORT: '0',
      STEMEDB_CHATOPS_CONFIG: join(dir, 'config.yml'),
    };
    delete env.SLACK_APP_TOKEN;
    child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /"port":(\d+)[^\n]*stemedb-chatops started/.exec(out);
        if (match) clearInterval(timer), resolve(Number(match[1]));
      }, 50);
      setTimeout(() => (clearInterval(timer), reject(new Error(`no start-up line in:\n${out}`))), 20_000);
    });
    base = `http://127.0.0.1:${port}`;
  }, 40_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await sim?.stop();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every malformed signed body with 400 and keeps serving commands', async () => {
    for (const { name, body, contentType } of MALFORMED_BODIES) {
      const res = await sendSignedBody(`${base}/slack/events`, SECRET, body, { contentType });
      expect(res.status, name).toBe(400);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode, out).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const res = await sendSlashCommand(`${base}/slack/events`, SECRET, { text: 'help', response_url: fake.responseUrl('after') });
    expect(res.status).toBe(200);
    await fake.waitFor(() => fake.responses('after').length > 0);
  }, 60_000);
});
