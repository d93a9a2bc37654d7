import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS } from '../../src/alerts/alert-views';
import { requestConfirmation, OPERATOR } from '../compaction/compaction-helpers';
import { FAKE_TEAM } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';

const BYSTANDER = 'U0BYSTANDER';
const ALERTS = 'C0ALERTS';
const RANDOM = 'C0RANDOM';

/**
 * Issue 12 item 4: Silence and the compaction Confirm / Cancel go through the same button middleware as
 * Escalate or Acknowledge (slack/ruled-button.ts): confirmation record, channel, permission, audited refusals.
 */
describe('every acting button behind the rule middleware', () => {
  let bot: TestBot;
  let incidentId: string;
  let seq = 0;
  const audit = () => bot.runtime.services.store.audit.recent(50);
  const click = async (action: string, value: string, user: string, channel: string) => {
    const id = `mw-click-${(seq += 1)}`;
    const res = await bot.click(action, value, {
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM.teamId },
      channel: { id: channel, name: channel.toLowerCase() },
      container: { type: 'message', message_ts: '1700000009.000900', channel_id: channel, is_ephemeral: true },
      message: undefined,
      response_url: bot.fake.responseUrl(id),
    });
    expect(res.status).toBe(200);
    return String(((await bot.fake.waitFor(() => bot.fake.responses(id)[0])).body as { text?: string }).text);
  };

  beforeAll(async () => {
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 1 }],
      config: { access: { operators: { users: [OPERATOR] }, channels: [ALERTS] }, alertmanager: { url: 'http://127.0.0.1:9' } },
    });
    const opened = await bot.runtime.services.store.incidents.openOrGet(
      {
        node: 'stemedb-1',
        title: 'HighStorageErrorRate on stemedb-1',
        source: 'alert',
        alertname: 'HighStorageErrorRate',
        fingerprint: 'fp-mw',
        episode: 'e1',
        labels: { alertname: 'HighStorageErrorRate' },
        annotations: {},
      },
      new Date(),
    );
    incidentId = opened.incident.id;
  }, 60_000);
  afterAll(async () => bot?.stop());

  it('Silence: a bystander is refused by the rule, a forged value by the lookup; both audited, nothing silenced', async () => {
    expect(await click(ALERT_ACTIONS.silence, JSON.stringify({ incidentId }), BYSTANDER, ALERTS)).toContain(
      `Only operators (<@${OPERATOR}>) may silence HighStorageErrorRate`,
    );
    expect((await audit())[0]).toMatchObject({
      actor: BYSTANDER,
      action: 'silence',
      incidentId,
      outcome: 'refused',
      detail: { via: 'button', channel: ALERTS },
    });
    expect(await click(ALERT_ACTIONS.silence, JSON.stringify({ incidentId }), OPERATOR, RANDOM)).toContain(`works only in <#${ALERTS}>`);
    expect((await audit())[0]).toMatchObject({ actor: OPERATOR, action: 'silence', outcome: 'refused', detail: { via: 'button', channel: RANDOM } });
    expect(await click(ALERT_ACTIONS.silence, '{"incidentId":"inc-forged"}', OPERATOR, ALERTS)).toContain('refers to an incident the bot does not know');
    expect((await audit())[0]).toMatchObject({
      actor: OPERATOR,
      action: 'silence',
      outcome: 'refused',
      detail: { via: 'button', reason: expect.stringContaining('does not know') },
    });
    expect((await bot.runtime.services.store.incidents.events(incidentId)).filter((e) => e.kind === 'silenced')).toEqual([]);
  });

  it('Confirm: a real confirmation clicked from a channel outside access.channels is refused, audited, starts nothing', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-1');
    expect(await click('compaction_confirm', value, OPERATOR, RANDOM)).toContain(`works only in <#${ALERTS}>`);
    expect((await audit())[0]).toMatchObject({
      actor: OPERATOR,
      action: 'compact',
      node: 'stemedb-1',
      outcome: 'refused',
      detail: { via: 'button', channel: RANDOM },
    });
    // The record was redeemed before the rule: a refused click used it up, so it cannot be replayed elsewhere.
    expect(await click('compaction_confirm', value, OPERATOR, ALERTS)).toContain('already used');
    expect(bot.sim.node('stemedb-1').compactRequests()).toBe(0);
  });

  it('Confirm and Cancel: a forged id is refused by the confirmation record, audited', async () => {
    expect(await click('compaction_confirm', 'pa_forgedforgedforgedforg', BYSTANDER, ALERTS)).toContain('never issued that confirmation');
    expect((await audit())[0]).toMatchObject({ actor: BYSTANDER, action: 'compact', outcome: 'refused', detail: { reason: 'confirm: confirmation unknown' } });
    expect(await click('compaction_cancel', 'pa_forgedforgedforgedforg', BYSTANDER, ALERTS)).toContain('never issued that confirmation');
    expect((await audit())[0]).toMatchObject({ actor: BYSTANDER, action: 'compact', outcome: 'refused', detail: { reason: 'cancel: confirmation unknown' } });
    expect(bot.sim.node('stemedb-1').compactRequests()).toBe(0);
  });
});
