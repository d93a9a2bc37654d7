import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, incidentOf } from './escalation-helpers';

const LEVELS = [
  { name: 'Primary on-call: Storage SRE', ackTimeout: '5m', slack: { users: ['USRE1'] } },
  { name: 'Secondary: Database engineer', ackTimeout: '5m', slack: { users: ['UDBE1'] } },
];

/** Issue 10, item 5: each reply says only what happened. */
describe('escalation replies say only what happened', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  let capture: CaptureServer;
  const reply = async (id: string) => String(((await fake.waitFor(() => fake.responses(id)[0])).body as { text: string }).text);

  beforeAll(async () => {
    fake = await startFakeSlack();
    capture = await startCaptureServer();
    process.env.PAGERDUTY_EVENTS_URL = `${capture.url}/v2/enqueue`;
    process.env.PD_KEY_TRUE = 'pd-key-true';
    bot = await startBot({
      fake,
      nodes: ['stemedb-1', 'stemedb-2'].map((name) => ({ name, scenarios: ['healthy'] })),
      config: { escalation: { levels: LEVELS, repeat: { times: 0 } } },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await capture?.close();
    delete process.env.PAGERDUTY_EVENTS_URL;
    delete process.env.PD_KEY_TRUE;
  });

  it('resolve without PagerDuty in the chain does not claim PagerDuty was told', async () => {
    await bot.command('escalate stemedb-1', {}, 'r0');
    await reply('r0');
    const id = await incidentOf(bot, 'stemedb-1');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    await bot.command(`resolve ${id} --confirm`, { user_id: 'USRE1' }, 'r1');
    const text = await reply('r1');
    expect(text).toContain(`${id} (stemedb-1) is resolved. Paging has stopped.`);
    expect(text).not.toContain('PagerDuty');
    expect(capture.requests('/v2/enqueue')).toHaveLength(0);
  });

  it('oncall vouches for a level only when Slack confirmed its users', async () => {
    await bot.command('oncall', {}, 'o1');
    expect(await reply('o1')).toContain('every level can reach someone');
  });
});

/** The local shell has no Slack: users it cannot check are "(not verified)", and the verdict says so. */
describe('oncall in the local shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-oncall-shell-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('does not say every level can reach someone when no user could be verified', async () => {
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      stringify({
        stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] },
        escalation: {
          levels: [
            ...LEVELS,
            { name: 'Final: Principal engineer + on-call manager', ackTimeout: '5m', slack: { users: ['UPE1'] }, pagerduty: { routingKeyEnv: 'PD_KEY_TRUE' } },
          ],
        },
        store: { sqlitePath: join(dir, 'bot.sqlite') },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error', PD_KEY_TRUE: 'pd-key' };
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[key];
    const stdout = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', 'shell', '--config', config], { env, stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out));
      child.stdin.end('oncall\nexit\n');
    });
    expect(stdout).toContain('(?) 1. Primary on-call: Storage SRE');
    expect(stdout).toContain('@USRE1 (not verified)');
    expect(stdout).not.toContain('every level can reach someone');
    expect(stdout).toContain('level(s) 1, 2 could not be checked: their Slack users are not verified here');
    // Level 3 also has a PagerDuty key set: it can reach someone whatever Slack says.
    expect(stdout).toContain('(ok) 3. Final');
  }, 30_000);
});
