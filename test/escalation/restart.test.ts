import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { sendSlashCommand, slashCommandBody } from '../harness/slack-requests';
import { SIGNING_SECRET } from '../harness/start-bot';
import { dmsTo, markerOf, sleep } from './escalation-helpers';
import { spawnBotProcess, type BotProcess } from './fixtures/spawn-bot-process';

describe('escalation survives SIGKILL of the bot process', () => {
  let fake: FakeSlack;
  let capture: CaptureServer;
  let dir: string;
  const running: BotProcess[] = [];

  beforeAll(async () => {
    fake = await startFakeSlack();
    capture = await startCaptureServer();
    dir = mkdtempSync(join(tmpdir(), 'stemedb-esc-restart-'));
  });
  afterAll(async () => {
    for (const p of running) await p.stop();
    await fake?.close();
    await capture?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const p = await spawnBotProcess(
      {
        sqlitePath: join(dir, 'bot.sqlite'),
        // A page in flight at the SIGKILL is taken over by the next process once its lease runs out.
        leaseTtl: '1s',
        slackApiUrl: fake.apiUrl,
        pagerdutyUrl: `${capture.url}/v2/enqueue`,
        nodes: ['stemedb-1'],
        escalation: {
          levels: [
            { name: 'Primary on-call: Storage SRE', ackTimeout: '8s', slack: { users: ['USRE1'] }, pagerduty: { routingKeyEnv: 'PD_KEY_PRIMARY' } },
            { name: 'Secondary: Database engineer', ackTimeout: '1500ms', slack: { users: ['UDBE1'] } },
            { name: 'Final: Principal engineer + on-call manager', ackTimeout: '30s', slack: { users: ['UPE1'] } },
          ],
          repeat: { times: 0 },
          auditInterval: '1s',
        },
      },
      { PD_KEY_PRIMARY: 'pd-key' },
    );
    running.push(p);
    return p;
  };

  it('sends the next page once and on time after a restart, and at once what fell due while down', async () => {
    const first = await start();
    await sendSlashCommand(first.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: 'escalate stemedb-1 kill test', response_url: fake.responseUrl() }));
    await fake.waitFor(() => dmsTo(fake, 'USRE1')[0], 10_000);
    await first.kill9();

    // Restarted well before level 2 is due (8 s after level 1): level 2 goes out on its deadline.
    const second = await start();
    const level2 = await fake.waitFor(() => dmsTo(fake, 'UDBE1')[0], 15_000);
    await second.kill9();

    // Down past level 3's deadline (1.5 s after level 2): it goes out as soon as the bot is back.
    await sleep(2_500);
    const third = await start();
    const level3 = await fake.waitFor(() => dmsTo(fake, 'UPE1')[0], 15_000);
    await sleep(500);

    const db = new Database(join(dir, 'bot.sqlite'), { readonly: true });
    const due = new Map(
      (db.prepare("SELECT idempotency_key AS key, due_at AS due FROM page_outbox WHERE kind = 'slack_dm'").all() as { key: string; due: string }[]).map((r) => [
        `page:${r.key}`,
        Date.parse(r.due),
      ]),
    );
    db.close();
    const lateness = (call: typeof level2) => call.at - due.get(markerOf(call)!)!;
    expect(lateness(level2)).toBeGreaterThanOrEqual(0);
    expect(lateness(level2)).toBeLessThan(1_000);
    expect(level2.at).toBeGreaterThan(second.readyAt);
    expect(lateness(level3)).toBeGreaterThan(1_000);
    expect(level3.at - third.readyAt).toBeLessThan(2_000);

    for (const user of ['USRE1', 'UDBE1', 'UPE1']) expect(dmsTo(fake, user)).toHaveLength(1);
    // The kill lands right after level 1's DM, possibly while its PagerDuty trigger is in flight: a taken-over
    // trigger is sent again with the same dedup_key (PagerDuty folds it into one incident), never another key.
    const triggers = capture.accepted('/v2/enqueue').filter((r) => r.body?.event_action === 'trigger');
    expect(triggers.length).toBeGreaterThanOrEqual(1);
    expect(new Set(triggers.map((r) => r.body?.dedup_key)).size).toBe(1);
    const levelPosts = fake.calls('chat.postMessage').filter((c) => c.ok && String(c.body.text).includes(':rotating_light: *Paging'));
    expect(levelPosts.map(markerOf).sort()).toEqual([...new Set(levelPosts.map(markerOf))].sort());
    expect(levelPosts).toHaveLength(3);
  }, 60_000);
});
