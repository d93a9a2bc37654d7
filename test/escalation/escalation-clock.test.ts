import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBotSqlite } from '../alerts/bot-sqlite';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { FakeClock } from '../harness/fake-clock';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, incidentOf, testChain } from './escalation-helpers';

const PD = '/v2/enqueue';
const FIVE_MIN = 5 * 60_000;

/**
 * The escalation scheduler on an injected clock: the real bot, signed requests and the fake Slack over real
 * HTTP keep real time; only the scheduler's timers and `services.now` run on the FakeClock. The tests assert
 * order and exact deadlines, and "nothing more happens" by moving the clock an hour on, not by sleeping.
 */
describe('escalation timing on a fake clock', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  let capture: CaptureServer;
  const clock = new FakeClock(Date.now());
  const rowsOf = async (id: string) => (await bot.runtime.services.escalations!.outbox.ofEscalation(`${id}.e1`)).filter((r) => r.kind === 'slack_thread');

  beforeAll(async () => {
    capture = await startCaptureServer();
    fake = await startFakeSlack();
    fake.setUserGroup('SSRE', ['USRE1', 'USRE2']);
    Object.assign(process.env, { PAGERDUTY_EVENTS_URL: `${capture.url}${PD}`, PD_KEY_PRIMARY: 'pd-routing-key-primary' });
    bot = await startBot({
      fake,
      clock,
      nodes: ['stemedb-1', 'stemedb-2', 'stemedb-3'].map((name) => ({ name, scenarios: ['healthy'] })),
      config: {
        access: { operators: { users: ['U_ALICE'] } },
        escalation: testChain({ hookUrl: `${capture.url}/hook`, ackTimeouts: ['5m', '5m', '5m'], repeatTimes: 0 }),
      },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await capture?.close();
    delete process.env.PAGERDUTY_EVENTS_URL;
    delete process.env.PD_KEY_PRIMARY;
  });

  it('pages each level exactly at the previous level ack timeout, never before; an ack stops the rest', async () => {
    await bot.command('escalate stemedb-1 disk errors keep growing');
    const id = await incidentOf(bot, 'stemedb-1');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    expect((await rowsOf(id)).map((r) => r.level)).toEqual([0]);

    await clock.advance(FIVE_MIN - 1);
    expect((await rowsOf(id)).map((r) => r.level)).toEqual([0]);
    await clock.advance(1);
    const rows = await rowsOf(id);
    expect(rows.map((r) => r.level)).toEqual([0, 1]);
    expect(rows[1]!.createdAt - rows[0]!.createdAt).toBe(FIVE_MIN);
    await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0]);

    await bot.runtime.services.escalations!.acknowledge(id, 'UDBE1');
    await clock.advance(60 * 60_000);
    expect((await rowsOf(id)).map((r) => r.level)).toEqual([0, 1]);
    expect(dmsTo(fake, 'UPE1', id)).toHaveLength(0);
    expect(dmsTo(fake, 'UMGR1', id)).toHaveLength(0);
  });

  it('resolving stops the chain: an hour later nobody else was paged', async () => {
    await bot.command('escalate stemedb-2 resolve me');
    const id = await incidentOf(bot, 'stemedb-2');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    await bot.runtime.services.escalations!.resolveIncident(id, 'U_ALICE');
    await clock.advance(60 * 60_000);
    expect((await rowsOf(id)).map((r) => r.level)).toEqual([0]);
    expect(dmsTo(fake, 'UDBE1', id)).toHaveLength(0);
    expect(capture.requests('/hook').filter((r) => r.body?.incident === id)).toHaveLength(0);
    expect((await bot.runtime.services.escalations!.summary(id))?.status).toBe('resolved');
  });

  it('a database error inside the scheduler timer is logged and the next tick recovers (the process keeps running)', async () => {
    await bot.command('escalate stemedb-3 store trouble');
    const id = await incidentOf(bot, 'stemedb-3');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    // A second connection to the bot's file: every scheduler query now fails with "no such table", as a
    // broken or locked database would.
    const db = openBotSqlite(bot.dir);
    db.exec('ALTER TABLE escalations RENAME TO escalations_away');
    try {
      await clock.advance(FIVE_MIN + 10_000);
    } finally {
      db.exec('ALTER TABLE escalations_away RENAME TO escalations');
      db.close();
    }
    expect((await rowsOf(id)).map((r) => r.level)).toEqual([0]);
    // The auditor's next tick finds the overdue step and pages level 2.
    await clock.advance(1_000);
    expect((await rowsOf(id)).map((r) => r.level)).toEqual([0, 1]);
    await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0]);
  });
});
