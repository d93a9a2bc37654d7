import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../harness/fake-slack';
import { sendSignedBody } from '../harness/slack-requests';
import { SIGNING_SECRET, startBot, type TestBot } from '../harness/start-bot';

function homeOpened(user: string) {
  return {
    token: 'unused-verification-token',
    team_id: 'T0TEST',
    api_app_id: 'A0STEMEDB',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` },
  };
}

const homeText = (call: RecordedCall) => JSON.stringify((call.body.view as { blocks: unknown[] }).blocks);

describe('the App Home tab', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['disk_full'] },
        { name: 'stemedb-2', scenarios: ['healthy'] },
      ],
      config: {
        access: { operators: { users: ['U_ALICE'] } },
        escalation: {
          levels: [
            { name: 'Primary on-call: Storage SRE', ackTimeout: '5m', slack: { users: ['U0PRIMARY'] } },
            { name: 'Secondary: Database engineer', slack: { users: ['U0SECOND'] } },
          ],
        },
      },
    });
  });
  afterAll(async () => bot?.stop());

  it('is published through views.publish when a user opens it: incidents, nodes, who each level would page', async () => {
    const res = await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, JSON.stringify(homeOpened('U_ALICE')), { contentType: 'application/json' });
    expect(res.status).toBe(200);
    const call = await bot.fake.waitForCall('views.publish', (c) => c.body.user_id === 'U_ALICE', 10_000);
    expect((call.body.view as { type: string }).type).toBe('home');
    const text = homeText(call);
    expect(text).toContain('No open incidents.');
    expect(text).toContain('*stemedb-1*: no diagnosis since the bot started');
    expect(text).toContain('1. Primary on-call: Storage SRE: <@U0PRIMARY>');
    expect(text).toContain('2. Secondary: Database engineer: <@U0SECOND>');
    expect(text).toContain('"action_id":"home_diagnose:stemedb-2"');
  });

  it('is republished with the verdict and its age after a diagnosis', async () => {
    bot.fake.reset();
    await bot.command('diagnose stemedb-1');
    const call = await bot.fake.waitForCall('views.publish', (c) => homeText(c).includes(':red_circle: *stemedb-1*'), 30_000);
    expect(homeText(call)).toMatch(/:red_circle: \*stemedb-1\*: Likely cause: disk space exhausted[^"]*\(\d+s ago\)/);
  });

  it('its Escalate button runs escalate as typed, answers in the DM, and the tab shows the incident and ack state', async () => {
    bot.fake.reset();
    await bot.click('home_escalate', JSON.stringify({ node: 'stemedb-1' }), {
      channel: undefined,
      container: { type: 'view', view_id: 'V0HOME' },
      response_url: undefined,
    });
    const call = await bot.fake.waitForCall('views.publish', (c) => homeText(c).includes('not acknowledged'), 30_000);
    expect(homeText(call)).toMatch(/\*inc-[a-z0-9-]+\* stemedb-1: [^"]*level 1 of 2 \(Primary on-call: Storage SRE\), not acknowledged/);
    expect(bot.fake.calls('conversations.open').some((c) => c.body.users === 'U_ALICE')).toBe(true);
  });

  it("shows a node's stored diagnosis it did not see itself (a restart, another replica)", async () => {
    bot.fake.reset();
    const startedAt = new Date(Date.now() - 120_000).toISOString();
    await bot.runtime.services.store.diagnoses.record('stemedb-2', new Date(), {
      node: 'stemedb-2',
      startedAt,
      durationMs: 800,
      errorRate: 0,
      verdict: { causes: [{ cause: 'healthy', evidence: [] }], severity: 'ok', summary: 'Stored verdict: healthy', escalate: false, escalateReasons: [] },
      checks: [],
      recommendations: [],
    });
    await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, JSON.stringify(homeOpened('U_BOB')), { contentType: 'application/json' });
    const call = await bot.fake.waitForCall('views.publish', (c) => c.body.user_id === 'U_BOB', 10_000);
    expect(homeText(call)).toMatch(/\*stemedb-2\*: Stored verdict: healthy \(2m/);
  });
});
