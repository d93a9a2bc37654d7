import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSIS_ACTIONS } from '../../src/render/diagnosis-blocks';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, incidentOf } from './escalation-helpers';

const CHAIN = {
  levels: [
    { name: 'Primary on-call: Storage SRE', ackTimeout: '10m', slack: { users: ['USRE1'] } },
    { name: 'Secondary: Database engineer', ackTimeout: '10m', slack: { users: ['UDBE1'], userGroups: ['SDBE'] } },
    { name: 'Final: Principal engineer + on-call manager', ackTimeout: '10m', slack: { users: ['UPE1'] } },
  ],
  repeat: { times: 1, every: '0s' },
};

/** Issue 10, item 2: a responder who escalates wants more help, never the same people again. */
describe('escalate on an incident whose chain runs or was acknowledged', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  // The bot's clock runs ahead on demand: the "same request" window is 10 s, the ack timeouts 10 min.
  let ahead = 0;
  const step = () => (ahead += 11_000);
  const reply = async (id: string) => String(((await fake.waitFor(() => fake.responses(id)[0])).body as { text: string }).text);

  beforeAll(async () => {
    fake = await startFakeSlack();
    fake.setUserGroup('SDBE', ['UDBE2']);
    bot = await startBot({
      fake,
      nodes: ['stemedb-1', 'stemedb-2', 'stemedb-3', 'stemedb-4'].map((name) => ({ name, scenarios: ['healthy'] })),
      config: { escalation: CHAIN },
      now: () => new Date(Date.now() + ahead),
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  it('pages the next level now, says which, and at the last level offers to repeat', async () => {
    await bot.command('escalate stemedb-1', {}, 'a1');
    expect(await reply('a1')).toContain('paging *Primary on-call: Storage SRE* now');
    const id = await incidentOf(bot, 'stemedb-1');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);

    step();
    await bot.command('escalate stemedb-1 need a database engineer', {}, 'a2');
    expect(await reply('a2')).toContain(
      `Escalating ${id} further: paging *Secondary: Database engineer* (level 2 of 3) now instead of waiting for *Primary on-call: Storage SRE* to acknowledge`,
    );
    await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0]);

    step();
    await bot.command('escalate stemedb-1', {}, 'a3');
    expect(await reply('a3')).toContain('paging *Final: Principal engineer + on-call manager* (level 3 of 3) now');
    await fake.waitFor(() => dmsTo(fake, 'UPE1', id)[0]);

    step();
    await bot.command('escalate stemedb-1', {}, 'a4');
    expect(await reply('a4')).toContain(
      `${id} is already paging the last level (*Final: Principal engineer + on-call manager*): there is no level above. \`/stemedb escalate stemedb-1 --level 1\` pages the chain again`,
    );
    expect(dmsTo(fake, 'USRE1', id)).toHaveLength(1);
    expect(dmsTo(fake, 'UDBE1', id)).toHaveLength(1);
    expect(dmsTo(fake, 'UPE1', id)).toHaveLength(1);

    await bot.command('escalate stemedb-1 --level 1', {}, 'a5');
    expect(await reply('a5')).toContain('paging *Primary on-call: Storage SRE* (level 1 of 3, round 2) now');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[1]);
    expect(await bot.runtime.services.escalations!.escalations.ofIncident(id)).toHaveLength(1);
  });

  it('after the primary acked, escalate pages the secondary and never the primary again', async () => {
    // The primary is also in the secondary's user group: still not paged again.
    fake.setUserGroup('SDBE', ['UDBE2', 'USRE1']);
    await bot.command('escalate stemedb-2');
    const id = await incidentOf(bot, 'stemedb-2');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    await bot.command(`ack ${id}`, { user_id: 'USRE1', user_name: 'sre1' }, 'b1');
    expect(await reply('b1')).toContain('You acknowledged');

    await bot.command('escalate stemedb-2 the fix did not hold', {}, 'b2');
    expect(await reply('b2')).toContain(
      'paging *Secondary: Database engineer* (level 2 of 3) now. <@USRE1> acknowledged at Primary on-call: Storage SRE and is not paged again.',
    );
    await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0] && dmsTo(fake, 'UDBE2', id)[0]);
    // The group's fan-out (which reached UDBE2) planned no page for the acker.
    const planned = (await bot.runtime.services.escalations!.outbox.ofEscalation(`${id}.e2`)).filter((r) => r.kind === 'slack_dm').map((r) => r.target);
    expect(planned.sort()).toEqual(['UDBE1', 'UDBE2']);
    expect(dmsTo(fake, 'USRE1', id)).toHaveLength(1);
    fake.setUserGroup('SDBE', ['UDBE2']);
  });

  it('the Escalate button takes the same path as the command', async () => {
    await bot.command('escalate stemedb-3');
    const id = await incidentOf(bot, 'stemedb-3');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    step();
    await bot.click(DIAGNOSIS_ACTIONS.escalate, JSON.stringify({ node: 'stemedb-3', incidentId: id }), { response_url: fake.responseUrl('c1') });
    expect(await reply('c1')).toContain('paging *Secondary: Database engineer* (level 2 of 3) now');
    await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0]);
    expect(dmsTo(fake, 'USRE1', id)).toHaveLength(1);
  });

  it('--level N starts a new chain at that level; a level the chain does not have is refused', async () => {
    await bot.command('escalate stemedb-4 --level 4', {}, 'd0');
    expect(await reply('d0')).toContain('`--level` takes 1 to 3');
    await bot.command('escalate stemedb-4 --level 2 straight to the DB engineer', {}, 'd1');
    expect(await reply('d1')).toContain('paging *Secondary: Database engineer* (level 2 of 3) now (new incident)');
    const id = await incidentOf(bot, 'stemedb-4');
    await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0]);
    expect(dmsTo(fake, 'USRE1', id)).toHaveLength(0);
  });
});
