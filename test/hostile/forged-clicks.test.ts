import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS } from '../../src/alerts/alert-views';
import { ESCALATION_ACTIONS } from '../../src/escalation/escalation-views';
import { DIAGNOSIS_ACTIONS } from '../../src/render/diagnosis-blocks';
import { ask, buttonValue, clickEphemeral, FAST_COMPACTION, OPERATOR, requestConfirmation, responseBody } from '../compaction/compaction-helpers';
import { startBot, type TestBot } from '../harness/start-bot';
import { FORGED_TARGET_VALUES, forgedConfirmValues } from './click-corpus';

/** Issue 11 item 2: no click runs what the bot never offered. */
describe('forged clicks on acting buttons', () => {
  let bot: TestBot;
  const audit = () => bot.runtime.services.store.audit.recent(200);
  const compactions = () => bot.sim.node('stemedb-1').compactRequests();
  beforeAll(async () => {
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 1 }],
      config: { access: { operators: { users: [OPERATOR, 'U0SRE'] } }, compaction: FAST_COMPACTION },
    });
  }, 60_000);
  afterAll(async () => bot?.stop());

  it.each(forgedConfirmValues(Date.now()))('refuses a Confirm click carrying $name, audits it, starts nothing', async ({ value }) => {
    const before = (await audit()).length;
    const id = await clickEphemeral(bot, 'compaction_confirm', value);
    const reply = await responseBody(bot, id);
    expect(reply.text).toContain('never issued that confirmation');
    expect(reply.text).toContain('recorded in the audit log');
    const entries = await audit();
    expect(entries.length).toBe(before + 1);
    expect(entries[0]).toMatchObject({ actor: OPERATOR, action: 'compact', outcome: 'refused', detail: { reason: 'confirm: confirmation unknown' } });
    expect(compactions()).toBe(0);
  });

  it.each(forgedConfirmValues(Date.now()).slice(0, 3))('refuses a Cancel click carrying $name', async ({ value }) => {
    const id = await clickEphemeral(bot, 'compaction_cancel', value);
    expect((await responseBody(bot, id)).text).toContain('never issued that confirmation');
    expect((await audit())[0]).toMatchObject({ outcome: 'refused', detail: { reason: 'cancel: confirmation unknown' } });
  });

  it("refuses someone else's confirmation; once cancelled, it cannot be confirmed", async () => {
    const { body, value } = await requestConfirmation(bot, 'stemedb-1');
    expect(value).toMatch(/^pa_[A-Za-z0-9_-]{22}$/);
    expect(buttonValue(body, 'compaction_cancel')).toBe(value);
    const other = await responseBody(bot, await clickEphemeral(bot, 'compaction_confirm', value, 'U0SRE'));
    expect(other.text).toContain(`This confirmation was issued to <@${OPERATOR}>: only they can confirm it`);
    expect((await audit())[0]).toMatchObject({
      actor: 'U0SRE',
      outcome: 'refused',
      node: 'stemedb-1',
      detail: { reason: 'confirm: confirmation not_allowed' },
    });
    const cancelled = await responseBody(bot, await clickEphemeral(bot, 'compaction_cancel', value));
    expect(cancelled.text).toContain('cancelled: nothing was changed');
    const again = await responseBody(bot, await clickEphemeral(bot, 'compaction_confirm', value));
    expect(again.text).toContain('already used');
    expect(compactions()).toBe(0);
  });

  it('a confirmation past its expiry (server time) is refused', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-1');
    // Age the stored record as the clock would: the click carries nothing that could extend it.
    // A second connection to the bot's SQLite file: the repositories have no way to age a record, on purpose.
    const db = new Database(bot.config.store.sqlitePath);
    try {
      db.prepare('UPDATE pending_actions SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 1000).toISOString(), value);
    } finally {
      db.close();
    }
    const reply = await responseBody(bot, await clickEphemeral(bot, 'compaction_confirm', value));
    expect(reply.text).toContain('more than 10 minutes old');
    expect((await audit())[0]).toMatchObject({ outcome: 'refused', detail: { reason: 'confirm: confirmation expired' } });
    expect(compactions()).toBe(0);
  });

  it('a confirmation the bot issued still works: the run uses the stored node and force', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-1');
    const reply = await responseBody(bot, await clickEphemeral(bot, 'compaction_confirm', value), (b) => Boolean(b.text?.includes('confirmed')));
    expect(reply.text).toContain('Compaction of stemedb-1 confirmed (force: no)');
    await bot.fake.waitFor(() => bot.fake.messages('C0ALERTS').find((m) => m.text?.includes('Compaction of stemedb-1 finished')), 20_000);
    expect(compactions()).toBe(1);
  });

  it.each(FORGED_TARGET_VALUES)('Compact, Escalate, Run again and Slow queries refuse a value naming $name, audited', async ({ value }) => {
    for (const [action, audited] of [
      [DIAGNOSIS_ACTIONS.compact, 'compact'],
      [DIAGNOSIS_ACTIONS.escalate, 'escalate'],
      [DIAGNOSIS_ACTIONS.rerun, 'diagnose'],
      [DIAGNOSIS_ACTIONS.slowQueries, 'slow-queries'],
    ] as const) {
      const id = await clickEphemeral(bot, action, value);
      expect((await responseBody(bot, id)).text, action).toMatch(/could not be read|does not know|no longer configured/);
      expect((await audit())[0], action).toMatchObject({
        actor: OPERATOR,
        action: audited,
        outcome: 'refused',
        detail: { via: 'button', value: value.slice(0, 200) },
      });
    }
    expect(await bot.runtime.services.store.incidents.listOpen()).toEqual([]);
  });

  it.each(['inc-ffffffffffff', 'inc-000000'])(
    'Acknowledge, Resolve and Silence refuse an incident id the bot never issued (%s), audited',
    async (incidentId) => {
      for (const [action, audited] of [
        [ESCALATION_ACTIONS.ack, 'ack'],
        [ESCALATION_ACTIONS.resolve, 'resolve'],
        [ALERT_ACTIONS.silence, 'silence'],
      ] as const) {
        const id = await clickEphemeral(bot, action, JSON.stringify({ incidentId }));
        expect((await responseBody(bot, id)).text, action).toContain('does not');
        expect((await audit())[0], action).toMatchObject({ actor: OPERATOR, action: audited, outcome: 'refused' });
      }
    },
  );

  it('still answers commands afterwards', async () => {
    expect((await ask(bot, 'help')).text).toContain('/stemedb');
  });
});
