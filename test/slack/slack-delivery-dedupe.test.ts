import { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger';
import { dedupeSlackDeliveries, deliveryKeyOf } from '../../src/slack/slack-delivery-dedupe';
import { sqliteFactory } from '../store/contract/sqlite-factory';
import { blockActionsPayload, buttonAction, sendInteraction, sendSignedBody, slashCommandBody, viewSubmissionPayload } from '../harness/slack-requests';
import { SIGNING_SECRET, startBot, type TestBot } from '../harness/start-bot';

function reactionEvent(eventId: string) {
  return {
    type: 'event_callback',
    token: 'x',
    team_id: 'T0STEMEDB',
    api_app_id: 'A0STEMEDB',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'reaction_added',
      user: 'U_ALICE',
      reaction: 'eyes',
      item: { type: 'message', channel: 'C0ALERTS', ts: '1700000000.000100' },
      event_ts: '1.1',
    },
  };
}

async function duplicates(bot: TestBot, source: string): Promise<number> {
  const metric = await bot.runtime.metrics.duplicateDeliveries.get();
  return metric.values.find((v) => v.labels.source === source)?.value ?? 0;
}

describe('the key of a Slack delivery', () => {
  it('is the event id for events, the click for buttons, the view and hash for submissions, none for commands', () => {
    expect(deliveryKeyOf(reactionEvent('Ev42'))).toEqual({ source: 'slack_event', id: 'Ev42' });
    const click = blockActionsPayload({ actions: [buttonAction({ action_id: 'a1', action_ts: '1700000001.000200' })] });
    expect(deliveryKeyOf(click)).toEqual({ source: 'slack_interaction', id: 'block_actions|1700000000.000100|1700000001.000200|U_ALICE|a1' });
    // A second click on the same button is another delivery.
    const again = blockActionsPayload({ actions: [buttonAction({ action_id: 'a1', action_ts: '1700000002.000300' })] });
    expect(deliveryKeyOf(again)?.id).not.toBe(deliveryKeyOf(click)?.id);
    expect(deliveryKeyOf(viewSubmissionPayload({ view: { id: 'V1', hash: 'h1' } }))).toEqual({ source: 'slack_interaction', id: 'view_submission|V1|h1' });
    expect(deliveryKeyOf(slashCommandBody())).toBeUndefined();
    expect(deliveryKeyOf({ type: 'event_callback', event: { type: 'x' } })).toBeUndefined();
  });
});

describe('Slack deliveries are handled once (the store remembers them)', () => {
  let bot: TestBot;
  const seen = { reactions: [] as string[], probes: 0, views: 0 };

  beforeAll(async () => {
    bot = await startBot();
    // Probe listeners beside the bot's own: they count what reaches the listeners.
    bot.slack.app.event('reaction_added', async ({ body }) => {
      seen.reactions.push((body as { event_id: string }).event_id);
    });
    bot.slack.app.action('dedupe_probe', async ({ ack }) => {
      await ack();
      seen.probes++;
    });
    bot.slack.app.view('dedupe_probe_view', async ({ ack }) => {
      await ack();
      seen.views++;
    });
  });
  afterAll(async () => bot?.stop());

  it('acks a retried event (X-Slack-Retry-Num) with 200 and drops it', async () => {
    const body = JSON.stringify(reactionEvent('EvDUP1'));
    const first = await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, body, { contentType: 'application/json' });
    const retry = await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, body, {
      contentType: 'application/json',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, JSON.stringify(reactionEvent('EvOTHER')), { contentType: 'application/json' });
    await bot.fake.waitFor(() => seen.reactions.includes('EvOTHER') || undefined);
    expect(seen.reactions.filter((id) => id === 'EvDUP1')).toHaveLength(1);
    expect(await duplicates(bot, 'slack_event')).toBe(1);
  });

  it('handles the same button click once, even delivered twice at once; a second click is new', async () => {
    const click = blockActionsPayload({
      actions: [buttonAction({ action_id: 'dedupe_probe', action_ts: '1700000010.000001' })],
      response_url: bot.fake.responseUrl(),
    });
    const answers = await Promise.all([sendInteraction(bot.eventsUrl, SIGNING_SECRET, click), sendInteraction(bot.eventsUrl, SIGNING_SECRET, click)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(seen.probes).toBe(1);
    await sendInteraction(
      bot.eventsUrl,
      SIGNING_SECRET,
      blockActionsPayload({ actions: [buttonAction({ action_id: 'dedupe_probe', action_ts: '1700000011.000001' })], response_url: bot.fake.responseUrl() }),
    );
    expect(seen.probes).toBe(2);
    expect(await duplicates(bot, 'slack_interaction')).toBe(1);
  });

  it('handles a view submission once per view version', async () => {
    const submit = viewSubmissionPayload({ view: { callback_id: 'dedupe_probe_view', id: 'VDEDUPE', hash: '1700000020.aaa' } });
    expect((await sendInteraction(bot.eventsUrl, SIGNING_SECRET, submit)).status).toBe(200);
    expect((await sendInteraction(bot.eventsUrl, SIGNING_SECRET, submit)).status).toBe(200);
    expect(seen.views).toBe(1);
    await sendInteraction(
      bot.eventsUrl,
      SIGNING_SECRET,
      viewSubmissionPayload({ view: { callback_id: 'dedupe_probe_view', id: 'VDEDUPE', hash: '1700000021.bbb' } }),
    );
    expect(seen.views).toBe(2);
  });

  it('drops a Socket Mode redelivery (another envelope, the same event id) at the entry Socket Mode uses', async () => {
    // SocketModeReceiver hands each envelope's payload to app.processEvent with its own ack.
    const acks: string[] = [];
    const deliver = (envelope: string, retryNum?: number) =>
      bot.slack.app.processEvent({
        body: reactionEvent('EvSOCKET'),
        ack: async () => void acks.push(envelope),
        retryNum,
        retryReason: retryNum ? 'timeout' : undefined,
      });
    await deliver('env-1');
    await deliver('env-2', 1);
    expect(acks).toEqual(['env-1', 'env-2']);
    expect(seen.reactions.filter((id) => id === 'EvSOCKET')).toHaveLength(1);
  });

  it('remembers deliveries a day, then forgets them (retention prunes)', async () => {
    const deliveries = bot.runtime.services.store.deliveries;
    expect(await deliveries.firstSeen('slack_event', 'EvDUP1', new Date())).toBe(false);
    expect(await deliveries.prune(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
    expect(await deliveries.firstSeen('slack_event', 'EvDUP1', new Date())).toBe(true);
  });
});

describe('a store that cannot answer', () => {
  it('lets the delivery through (an acked event would otherwise be lost)', async () => {
    const store = await sqliteFactory.create();
    const connection = await store.open();
    await connection.close(); // firstSeen now throws
    const app = new App({ token: 'xoxb-test', botId: 'B0TEST', botUserId: 'U0BOT', signingSecret: 'unused' });
    const dropped: string[] = [];
    dedupeSlackDeliveries(app, {
      deliveries: connection.store.deliveries,
      log: createLogger('silent'),
      now: () => new Date(),
      onDuplicate: (source) => dropped.push(source),
    });
    const handled: string[] = [];
    app.event('reaction_added', async ({ body }) => {
      handled.push((body as { event_id: string }).event_id);
    });
    await app.processEvent({ body: reactionEvent('EvSTOREDOWN'), ack: async () => undefined });
    expect(handled).toEqual(['EvSTOREDOWN']);
    expect(dropped).toEqual([]);
    await store.destroy();
  });
});
