import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS } from '../../src/alerts/alert-views';
import { ESCALATION_ACTIONS } from '../../src/escalation/escalation-views';
import { DIAGNOSIS_ACTIONS } from '../../src/render/diagnosis-blocks';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { FAKE_TEAM } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';

const OPS = 'U0OPS';
const PAGED = 'U0PAGED';
const BYSTANDER = 'U0BYSTANDER';
const ALERTS = 'C0ALERTS';
const RANDOM = 'C0RANDOM';

/** Issue 11 item 7: one rule set for typed commands and clicked buttons (src/access/action-rules.ts). */
describe('who may act, and where', () => {
  let bot: TestBot;
  let incidentId: string;
  let alertIncidentId: string;
  let seq = 0;
  const audit = () => bot.runtime.services.store.audit.recent(50);
  const answer = async (id: string) => String(((await bot.fake.waitFor(() => bot.fake.responses(id)[0])).body as { text?: string }).text);
  const as = (user: string, channel: string) => ({
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM.teamId },
    channel: { id: channel, name: channel.toLowerCase() },
  });
  const click = async (action: string, value: string, user: string, channel: string) => {
    const id = `click-${(seq += 1)}`;
    const res = await bot.click(action, value, {
      ...as(user, channel),
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: channel, is_ephemeral: false },
      response_url: bot.fake.responseUrl(id),
    });
    expect(res.status).toBe(200);
    return answer(id);
  };
  const command = async (text: string, user: string, channel: string) => {
    const id = `cmd-${(seq += 1)}`;
    expect((await bot.command(text, { user_id: user, user_name: user.toLowerCase(), channel_id: channel }, id)).status).toBe(200);
    return answer(id);
  };
  const escalationStatus = async () => (await bot.runtime.services.escalations!.summary(incidentId))?.status;

  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['healthy'] },
        { name: 'stemedb-2', scenarios: ['healthy'] },
      ],
      config: {
        access: { operators: { users: [OPS] }, channels: [ALERTS] },
        alertmanager: { url: 'http://127.0.0.1:9' },
        escalation: { levels: [{ name: 'Primary', ackTimeout: '10m', slack: { users: [PAGED] } }] },
      },
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
    });
    expect(await command('escalate stemedb-2 hostile test', 'U_ALICE', ALERTS)).toContain('Escalating');
    incidentId = (await bot.runtime.services.store.incidents.openForNode('stemedb-2'))!.id;
    await bot.fake.waitFor(
      async () => (await bot.runtime.services.store.incidents.events(incidentId)).find((e) => e.kind === 'paged' && JSON.stringify(e.detail).includes(PAGED)),
      10_000,
    );
    await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-rules' })]));
    alertIncidentId = await bot.fake.waitFor(async () => (await bot.runtime.services.store.incidents.openForNode('stemedb-1'))?.id);
  }, 60_000);
  afterAll(async () => bot?.stop());

  it('a bystander outside the allowed channel cannot acknowledge, by button or command; refusals are audited', async () => {
    const value = JSON.stringify({ incidentId });
    expect(await click(ESCALATION_ACTIONS.ack, value, BYSTANDER, RANDOM)).toContain(
      `Only the responders paged for ${incidentId} and operators (<@${OPS}>) and anyone in <#${ALERTS}> may acknowledge ${incidentId}`,
    );
    expect((await audit())[0]).toMatchObject({ actor: BYSTANDER, action: 'ack', incidentId, outcome: 'refused', detail: { via: 'button', channel: RANDOM } });
    expect(await command(`ack ${incidentId}`, BYSTANDER, RANDOM)).toContain('may acknowledge');
    expect((await audit())[0]).toMatchObject({ actor: BYSTANDER, action: 'ack', outcome: 'refused', detail: { via: 'command' } });
    expect(await escalationStatus()).toBe('active');
  });

  it('nobody but operators and paged responders may resolve, by button or command', async () => {
    expect(await command(`resolve ${incidentId} --confirm`, BYSTANDER, ALERTS)).toContain(
      `Only operators (<@${OPS}>) and the responders paged for ${incidentId} may resolve ${incidentId}`,
    );
    expect(await click(ESCALATION_ACTIONS.resolve, JSON.stringify({ incidentId }), BYSTANDER, ALERTS)).toContain('may resolve');
    expect((await audit()).slice(0, 2).map((e) => [e.action, e.outcome])).toEqual([
      ['resolve', 'refused'],
      ['resolve', 'refused'],
    ]);
    expect((await bot.runtime.services.store.incidents.get(incidentId))?.status).toBe('open');
    expect(await escalationStatus()).toBe('active');
  });

  it('buttons obey access.channels like commands do', async () => {
    const onAlert = JSON.stringify({ node: 'stemedb-1', incidentId: alertIncidentId });
    for (const action of [
      DIAGNOSIS_ACTIONS.escalate,
      DIAGNOSIS_ACTIONS.compact,
      DIAGNOSIS_ACTIONS.rerun,
      DIAGNOSIS_ACTIONS.slowQueries,
      ALERT_ACTIONS.silence,
    ]) {
      const value = action === ALERT_ACTIONS.silence ? JSON.stringify({ incidentId: alertIncidentId }) : onAlert;
      expect(await click(action, value, OPS, RANDOM), action).toContain(`works only in <#${ALERTS}>`);
    }
    expect(await command('status', OPS, RANDOM)).toContain(`works only in <#${ALERTS}>`);
    expect((await audit()).filter((e) => e.outcome === 'refused' && e.detail.channel === RANDOM).length).toBeGreaterThanOrEqual(6);
    expect(await bot.runtime.services.escalations!.summary(alertIncidentId)).toBeUndefined();
  });

  it('a bystander may acknowledge in the allowed channel; the paged responder from the page DM', async () => {
    expect(await click(ESCALATION_ACTIONS.ack, JSON.stringify({ incidentId: alertIncidentId }), BYSTANDER, ALERTS)).toContain(
      `${alertIncidentId} is not being escalated`,
    );
    expect(await click(ESCALATION_ACTIONS.ack, JSON.stringify({ incidentId }), PAGED, `D${PAGED}`)).toContain(`You acknowledged ${incidentId}`);
    expect(await escalationStatus()).toBe('acked');
    expect(await command(`resolve ${incidentId} --confirm`, PAGED, ALERTS)).toContain(`${incidentId} (stemedb-2) is resolved`);
  });
});
