import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from './png';
import { CHART_WIDTH } from '../../src/charts/echarts-option';
import { startBot, type TestBot } from '../harness/start-bot';
import { incidentOf } from '../escalation/escalation-helpers';

describe('the page shows the chart too', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['disk_full'] }],
      config: {
        escalation: { levels: [{ name: 'Primary on-call: Storage SRE', ackTimeout: '30s', slack: { users: ['USRE1', 'USRE2'] } }], repeat: { times: 0 } },
      },
      charts: { sampleAllNodes: true, sampleIntervalMs: 250 },
    });
    const deadline = Date.now() + 20_000;
    while (bot.runtime.services.charts!.history.samples('stemedb-1').length < 3) {
      if (Date.now() > deadline) throw new Error('no samples');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 30_000);
  afterAll(async () => bot?.stop());

  it('uploads the latest chart after each DM and in the incident thread, drawn once for the level', async () => {
    await bot.command('escalate stemedb-1 errors keep growing');
    const id = await incidentOf(bot, 'stemedb-1');
    const shared = () => bot.fake.uploads().filter((u) => u.completed);
    await bot.fake.waitFor(() => shared().length >= 3, 20_000);
    const channels = shared()
      .map((u) => u.completed!.channel)
      .sort();
    const incident = (await bot.runtime.services.store.incidents.get(id))!;
    expect(channels).toEqual([incident.channel, 'DUSRE1', 'DUSRE2'].sort());
    expect(shared().find((u) => u.completed!.channel === incident.channel)!.completed!.threadTs).toBe(incident.threadTs);
    // The DM's chart comes after the page itself.
    const dm = bot.fake.messages('DUSRE1');
    expect(dm[0]!.files).toBeUndefined();
    expect(dm.at(-1)!.files).toHaveLength(1);
    // One drawing, three uploads of the same bytes.
    const bytes = shared().map((u) => u.bytes!.toString('base64'));
    expect(new Set(bytes).size).toBe(1);
    expect(decodePng(shared()[0]!.bytes!).width).toBe(CHART_WIDTH);
  }, 40_000);
});
