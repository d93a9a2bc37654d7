import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { sendSlashCommand } from '../harness/slack-requests';
import { SIGNING_SECRET } from '../harness/start-bot';
import { dmsTo } from './escalation-helpers';
import { spawnBotProcess, type BotProcess } from './fixtures/spawn-bot-process';

/**
 * Slack never re-sends a slash command it got 200 for. An `escalate` acknowledged and then lost with its
 * process (SIGKILL right after the 200) is a page nobody sends: the ack must come after the escalation is
 * recorded.
 */
describe('an acknowledged escalate survives the process dying right after the ack', () => {
  let fake: FakeSlack;
  let dir: string;
  const running: BotProcess[] = [];

  beforeAll(async () => {
    fake = await startFakeSlack();
    dir = mkdtempSync(join(tmpdir(), 'stemedb-ack-record-'));
  });
  afterAll(async () => {
    for (const p of running) await p.stop();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const p = await spawnBotProcess({
      sqlitePath: join(dir, 'bot.sqlite'),
      leaseTtl: '1s',
      slackApiUrl: fake.apiUrl,
      // No level pages PagerDuty: nothing is ever sent here.
      pagerdutyUrl: 'http://127.0.0.1:9/v2/enqueue',
      nodes: ['stemedb-1', 'stemedb-2', 'stemedb-3'],
      escalation: {
        levels: [{ name: 'Primary on-call: Storage SRE', ackTimeout: '30s', slack: { users: ['USRE1'] } }],
        repeat: { times: 0 },
        auditInterval: '1s',
      },
    });
    running.push(p);
    return p;
  };

  it('records each escalation before Slack hears 200, so a SIGKILL at the 200 loses none', async () => {
    for (const node of ['stemedb-1', 'stemedb-2', 'stemedb-3']) {
      const bot = await start();
      const answer = await sendSlashCommand(bot.eventsUrl, SIGNING_SECRET, {
        text: `escalate ${node} ack-after-record test`,
        response_url: fake.responseUrl(),
      });
      expect(answer.status).toBe(200);
      await bot.kill9();
    }
    const db = new Database(join(dir, 'bot.sqlite'), { readonly: true });
    const escalated = (
      db.prepare('SELECT i.node AS node FROM escalations e JOIN incidents i ON i.id = e.incident_id ORDER BY i.node').all() as { node: string }[]
    ).map((r) => r.node);
    db.close();
    expect(escalated).toEqual(['stemedb-1', 'stemedb-2', 'stemedb-3']);
    // A process started afterwards sends the three chains' pages.
    await start();
    await fake.waitFor(() => (dmsTo(fake, 'USRE1').length >= 3 ? true : undefined), 20_000);
  }, 90_000);
});
