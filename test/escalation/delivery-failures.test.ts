import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, incidentOf, testChain, textOf, threadPosts } from './escalation-helpers';

const PD = '/v2/enqueue';

describe('delivery failures escalate instead of waiting (level 1 ack timeout: 20 s)', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  let capture: CaptureServer;

  beforeAll(async () => {
    capture = await startCaptureServer();
    fake = await startFakeSlack();
    fake.setUserGroup('SSRE', ['USRE1', 'USRE2']);
    // The harness reads secrets and PAGERDUTY_EVENTS_URL from the environment, as the bot does.
    Object.assign(process.env, { PAGERDUTY_EVENTS_URL: `${capture.url}${PD}`, PD_KEY_PRIMARY: 'pd-routing-key-primary' });
    bot = await startBot({
      fake,
      nodes: [{ name: 'stemedb-1', scenarios: ['healthy'] }],
      config: { escalation: testChain({ hookUrl: `${capture.url}/hook`, ackTimeouts: ['20s', '20s', '20s'], repeatTimes: 0 }) },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await capture?.close();
    delete process.env.PAGERDUTY_EVENTS_URL;
    delete process.env.PD_KEY_PRIMARY;
  });

  it('Slack users not found and a PagerDuty 400 move the chain to level 2 at once, and the thread says why', async () => {
    fake.setMissingUsers(['USRE1', 'USRE2']);
    capture.answerNext([{ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] } }], PD);
    capture.answerNext([{ status: 500 }, { status: 500 }, { status: 500 }], '/hook');
    const started = Date.now();
    await bot.command('escalate stemedb-1');
    const id = await incidentOf(bot, 'stemedb-1');

    const level2 = await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0], 10_000);
    expect(level2.at - started).toBeLessThan(20_000);
    const thread = async () => (await threadPosts(bot, id)).map(textOf);
    await fake.waitFor(async () => (await thread()).some((t) => t.includes('webhook') && t.includes('failed after 3 attempts')), 10_000);
    const texts = await thread();
    expect(texts).toContainEqual(expect.stringContaining('Paging <@USRE1> (via user group `SSRE`) failed: Slack user not found'));
    expect(texts).toContainEqual(expect.stringContaining('Paging <@USRE2> (via user group `SSRE`) failed: Slack user not found'));
    expect(texts).toContainEqual(
      expect.stringMatching(
        /Paging PagerDuty \(`PD_KEY_PRIMARY`\) failed: PagerDuty refused the event \(HTTP 400: Event object is invalid: Invalid routing key\)/,
      ),
    );
    expect(texts).toContainEqual(
      expect.stringContaining('Nobody at *Primary on-call: Storage SRE* could be reached: paging *Secondary: Database engineer* now'),
    );
    expect(texts).toContainEqual(expect.stringMatching(/Paging the webhook \(127\.0\.0\.1:\d+\) failed after 3 attempts: webhook answered HTTP 500/));
    expect(capture.requests(PD).filter((r) => r.body?.event_action === 'trigger')).toHaveLength(1);
    expect(capture.requests('/hook').map((r) => r.status)).toEqual([500, 500, 500]);
    // Level 2 was reached (the DM went out), so level 3 waits for the ack timeout.
    expect(dmsTo(fake, 'UPE1', id)).toHaveLength(0);
    await expect(bot.runtime.services.metrics.registry.getSingleMetricAsString('stemedb_chatops_pages_total')).resolves.toMatch(
      /level="1",channel="slack_dm",outcome="failed"\} 2/,
    );
    await bot.runtime.services.escalations!.resolveIncident(id, 'UTEST');
    fake.setMissingUsers([]);
  });

  it('refuses to escalate a node that is not configured, naming the ones that are', async () => {
    await bot.command('escalate stemedb-9 it is on fire', {}, 'unknown');
    const answer = await fake.waitFor(() => fake.responses('unknown')[0]);
    expect((answer.body as { text: string }).text).toContain('Unknown node `stemedb-9`. Configured nodes: `stemedb-1`');
    expect(await bot.runtime.services.store.incidents.openForNode('stemedb-9')).toBeUndefined();
  });
});

describe('the chain check at start-up and on its interval', () => {
  it('warns in the alert channel about a level nobody can be reached at, naming IDs without pinging anyone', async () => {
    const fake = await startFakeSlack();
    fake.setUserGroup('SEMPTY', []);
    fake.setMissingUsers(['UGONE1']);
    const bot = await startBot({
      fake,
      nodes: [{ name: 'stemedb-1', scenarios: ['healthy'] }],
      config: {
        escalation: {
          levels: [
            { name: 'Primary on-call: Storage SRE', slack: { users: ['USRE1'] } },
            { name: 'Secondary: Database engineer', slack: { userGroups: ['SEMPTY'], users: ['UGONE1'] } },
          ],
          chainCheckInterval: '700ms',
        },
      },
    });
    try {
      const warnings = () =>
        fake.calls('chat.postMessage').filter((c) => c.ok && c.body.channel === 'C0ALERTS' && textOf(c).includes('Escalation chain check'));
      await fake.waitFor(() => warnings().length >= 2 || undefined, 5_000);
      const text = textOf(warnings()[0]!);
      expect(text).toContain('Level 2 (Secondary: Database engineer): nobody reachable at this level');
      expect(text).toContain('user group `SEMPTY` has no members');
      expect(text).toContain('user `UGONE1` is not found in Slack');
      expect(text).not.toMatch(/<@|<!subteam/);
      expect(text).not.toContain('Level 1');
    } finally {
      await bot.stop();
      await fake.close();
    }
  });
});
