import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, incidentOf, sleep } from './escalation-helpers';

const LEVELS = [
  { name: 'Primary on-call: Storage SRE', ackTimeout: '5m', slack: { users: ['USRE1'] }, pagerduty: { routingKeyEnv: 'PD_KEY_TAKEOVER' } },
  { name: 'Secondary: Database engineer', ackTimeout: '5m', slack: { users: ['UDBE1'] } },
];

/**
 * Issue 13 item 3: a page another process was sending when it died stays `sending` under that process's
 * lease; the running bot's delivery pass (not a start-up reset) takes it over once the lease runs out.
 */
describe('pages left mid-send by a dead process', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  let capture: CaptureServer;

  beforeAll(async () => {
    fake = await startFakeSlack();
    capture = await startCaptureServer();
    process.env.PAGERDUTY_EVENTS_URL = `${capture.url}/v2/enqueue`;
    process.env.PD_KEY_TAKEOVER = 'pd-key-takeover';
    bot = await startBot({
      fake,
      nodes: [{ name: 'stemedb-1', scenarios: ['healthy'] }],
      config: { store: { leaseTtl: '1s' }, escalation: { levels: LEVELS, repeat: { times: 0 }, auditInterval: '1s' } },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await capture?.close();
    delete process.env.PAGERDUTY_EVENTS_URL;
    delete process.env.PD_KEY_TAKEOVER;
  });

  it('are taken over once the lease runs out: a Slack DM found by its marker, PagerDuty re-sent with the same dedup_key', async () => {
    await bot.command('escalate stemedb-1 takeover test', {}, 'r0');
    const id = await incidentOf(bot, 'stemedb-1');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    const triggers = () => capture.accepted('/v2/enqueue').filter((r) => r.body?.event_action === 'trigger');
    for (let i = 0; i < 200 && triggers().length === 0; i++) await sleep(20);
    expect(triggers()).toHaveLength(1);

    // Another process (same store) had both rows in flight when it died: its lease runs out in 800 ms.
    const db = new Database(join(bot.dir, 'bot.sqlite'));
    const deadUntil = Date.now() + 800;
    const stuck = db
      .prepare(
        "UPDATE page_outbox SET status = 'sending', lease_owner = 'dead-host:1:dead', lease_until = ?, sent_at = NULL WHERE incident_id = ? AND kind IN ('slack_dm', 'pagerduty') AND level = 0",
      )
      .run(new Date(deadUntil).toISOString(), id).changes;
    expect(stuck).toBe(2);
    const rows = () =>
      db
        .prepare(
          "SELECT kind, status, attempts, lease_owner AS owner, result_json AS result FROM page_outbox WHERE incident_id = ? AND kind IN ('slack_dm', 'pagerduty') AND level = 0 ORDER BY kind",
        )
        .all(id) as { kind: string; status: string; attempts: number; owner: string | null; result: string | null }[];
    try {
      // A live lease is respected: the running bot's passes leave the rows alone.
      await sleep(400);
      expect(rows().map((r) => [r.kind, r.status, r.owner])).toEqual([
        ['pagerduty', 'sending', 'dead-host:1:dead'],
        ['slack_dm', 'sending', 'dead-host:1:dead'],
      ]);
      for (let i = 0; i < 200 && rows().some((r) => r.status !== 'sent'); i++) await sleep(20);
      const [pagerduty, dm] = rows();
      expect(dm).toMatchObject({ status: 'sent', attempts: 2, owner: null });
      expect(JSON.parse(dm!.result!)).toMatchObject({ confirmedAfterRestart: true });
      expect(pagerduty).toMatchObject({ status: 'sent', attempts: 2, owner: null });
    } finally {
      db.close();
    }
    // The DM had landed: found by its marker, not sent again. PagerDuty's outcome is unknown: sent again with the same key.
    expect(dmsTo(fake, 'USRE1', id)).toHaveLength(1);
    expect(triggers()).toHaveLength(2);
    expect(new Set(triggers().map((r) => r.body?.dedup_key)).size).toBe(1);
    const takeovers = (await bot.runtime.metrics.leaseTakeovers.get()).values.find((v) => v.labels.kind === 'outbox');
    expect(takeovers?.value).toBe(2);
  }, 30_000);
});
