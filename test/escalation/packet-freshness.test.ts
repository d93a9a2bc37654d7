import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickEphemeral, FAST_COMPACTION, OPERATOR, requestConfirmation, waitForMessage } from '../compaction/compaction-helpers';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, incidentOf } from './escalation-helpers';

const CHAIN = {
  levels: [
    { name: 'Primary on-call: Storage SRE', ackTimeout: '30m', slack: { users: ['USRE1'] } },
    { name: 'Secondary: Database engineer', ackTimeout: '30m', slack: { users: ['UDBE1'] } },
  ],
  repeat: { times: 0 },
  packetMaxAge: '2m',
};

/** Issue 10, item 3: a page carries the present (a fresh diagnosis) and what was already done. */
describe('escalation packets: a diagnosis no older than packetMaxAge, and what was done', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  // The bot's clock, moved forward past packetMaxAge without waiting.
  let ahead = 0;
  const as = (user: string) => ({ user_id: user, user_name: user.toLowerCase() });
  const reply = async (id: string) => String(((await fake.waitFor(() => fake.responses(id)[0])).body as { text: string }).text);

  beforeAll(async () => {
    fake = await startFakeSlack();
    bot = await startBot({
      fake,
      nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 2 }],
      config: { escalation: CHAIN, access: { operators: { users: [OPERATOR] } }, compaction: FAST_COMPACTION },
      now: () => new Date(Date.now() + ahead),
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  it('a page after compaction and an ack says what was done, and replaces a stale diagnosis with a fresh one', async () => {
    await bot.command('diagnose stemedb-1', as(OPERATOR));
    await fake.waitFor(() => bot.runtime.services.store.diagnoses.latest('stemedb-1'), 15_000);
    await bot.command('escalate stemedb-1 errors over the alert line', as(OPERATOR), 'e1');
    await reply('e1');
    const id = await incidentOf(bot, 'stemedb-1');
    const first = await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    expect(String(first.body.text)).not.toContain('refreshing');
    await bot.command(`ack ${id}`, as('USRE1'), 'a1');
    await reply('a1');

    const { value } = await requestConfirmation(bot, 'stemedb-1');
    await clickEphemeral(bot, 'compaction_confirm', value);
    // Progress and the re-check go in the incident's thread.
    await waitForMessage(bot, (m) => Boolean(m.text?.includes('Re-check of stemedb-1')));

    // Three minutes later (the bot's clock): the diagnosis from before is older than packetMaxAge (2m).
    ahead += 180_000;
    await bot.command('escalate stemedb-1 still failing after compaction', as(OPERATOR), 'e2');
    expect(await reply('e2')).toContain('paging *Secondary: Database engineer* (level 2 of 2)');
    const page = await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0]);
    const text = String(page.body.text);
    // Sent at once with the old diagnosis, marked as such...
    expect(text).toMatch(/\*Latest diagnosis\* \(as of \d\d:\d\d:\d\d UTC, refreshing: this message is updated when the new one is in/);
    // ...and with what was already done on the incident.
    expect(text).toContain('*Done so far*');
    expect(text).toMatch(/U0OPS> escalated \(Primary on-call: Storage SRE\): errors over the alert line/);
    expect(text).toMatch(/<@USRE1> acknowledged/);
    expect(text).toMatch(/compaction by <@U0OPS>: succeeded in \d+s/);
    expect(text).toMatch(/re-check after compaction: cleared, error rate \d+\.\d+% → 0\.\d+%/);
    expect(text).toMatch(/U0OPS> escalated further|U0OPS> escalated \(Secondary: Database engineer\): still failing after compaction/);

    // Then the same DM is updated with the fresh diagnosis, no longer "refreshing".
    const ts = (page.response as { ts: string }).ts;
    const updated = await fake.waitFor(
      () => fake.calls('chat.update').find((c) => c.ok && c.body.ts === ts && !String(c.body.text).includes('refreshing')),
      20_000,
    );
    expect(String(updated.body.text)).toContain('*Done so far*');
    const fresh = /\*Latest diagnosis\* \((\S+),/.exec(String(updated.body.text));
    expect(fresh).not.toBeNull();
    expect(Date.parse(fresh![1]!)).toBeGreaterThan(Date.parse(new Date(Date.now() + ahead - 60_000).toISOString()));
    expect(dmsTo(fake, 'UDBE1', id)).toHaveLength(1);
  }, 60_000);
});
