import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payload, postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { startBot, type TestBot } from '../harness/start-bot';
import { mentionAlerts, rawMarkupIn } from './alert-corpus';

/** Issue 11 item 5: alert text with Slack markup never reaches a message unescaped, in any field. */
describe('alerts whose labels carry mentions and links', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['healthy'] }],
      // Threshold 2: the first two alerts get headers (and "not in the inventory" notes), the rest a storm summary.
      config: { alerts: { stormThreshold: 2 } },
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
    });
    expect((await postWebhook(bot.baseUrl, payload(mentionAlerts()))).status).toBe(200);
    await bot.runtime.alerts.worker.idle(30_000);
    // Resolve them too: the resolved header and the thread's note are new texts.
    const resolved = mentionAlerts().map((a) => ({ ...a, status: 'resolved', endsAt: new Date().toISOString() }));
    expect((await postWebhook(bot.baseUrl, payload(resolved, { status: 'resolved' }))).status).toBe(200);
    await bot.runtime.alerts.worker.idle(30_000);
  }, 90_000);
  afterAll(async () => bot?.stop());

  it('posts headers, notes and a storm summary', () => {
    const texts = bot.fake.calls('chat.postMessage').map((c) => String(c.body.text));
    expect(texts.some((t) => t.includes('is not a node in the inventory'))).toBe(true);
    expect(texts.some((t) => t.includes('Alert storm:'))).toBe(true);
    expect(texts.some((t) => t.includes('&lt;!channel&gt;'))).toBe(true);
  });

  it('escapes every field Slack renders or notifies from: text, blocks, updates', () => {
    const calls = [...bot.fake.calls('chat.postMessage'), ...bot.fake.calls('chat.update')];
    expect(calls.length).toBeGreaterThan(4);
    for (const call of calls) {
      expect(rawMarkupIn(String(call.body.text ?? '')), `text of ${call.method}: ${String(call.body.text)}`).toEqual([]);
      expect(rawMarkupIn(JSON.stringify(call.body.blocks ?? [])), `blocks of ${call.method}: ${JSON.stringify(call.body.blocks)}`).toEqual([]);
    }
  });
});
