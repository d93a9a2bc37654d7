import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_WIDTH, chartHeight } from '../../src/charts/echarts-option';
import { startBot, type TestBot } from '../harness/start-bot';
import { clickEphemeral, FAST_COMPACTION, OPERATOR, requestConfirmation, waitForMessage } from '../compaction/compaction-helpers';
import { decodePng } from './png';

describe('the closed loop, seen: a before/after chart after a compaction', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 2 }],
      config: { access: { operators: { users: [OPERATOR] } }, compaction: FAST_COMPACTION },
      charts: { sampleAllNodes: true, sampleIntervalMs: 250 },
    });
    const deadline = Date.now() + 20_000;
    while (bot.runtime.services.charts!.history.samples('stemedb-1').length < 4) {
      if (Date.now() > deadline) throw new Error('no samples');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 30_000);
  afterAll(async () => bot?.stop());

  it('follows the re-check with the error rate and pending bytes before and after, and the same verdict', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-1');
    await clickEphemeral(bot, 'compaction_confirm', value);
    const done = await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compaction of stemedb-1 finished')));
    const recheck = await waitForMessage(bot, (m) => m.thread_ts === done.ts && Boolean(m.text?.includes('Re-check of stemedb-1')));
    const cleared = /The alert's condition has cleared|Storage errors are below 1% of operations/.test(String(recheck.text));
    const upload = await bot.fake.waitFor(() => bot.fake.uploads().find((u) => u.completed?.threadTs === done.ts), 20_000);
    expect(upload.completed!.title).toBe(`stemedb-1 after compaction: ${cleared ? 'cleared (errors < 1%)' : 'persists (errors still > 1%)'}`);
    expect(upload.completed!.initialComment).toMatch(
      /^Error rate of stemedb-1 before the compaction [▁▂▃▄▅▆▇█]+ \d+\.\d\d%; after \d+\.\d\d% \(the bot's own samples\)$/,
    );
    expect(upload.filename).toMatch(/^stemedb-1-compaction-/);
    // Text first: the re-check is in the thread before the chart.
    const thread = bot.fake.thread('C0ALERTS', done.ts);
    expect(thread.findIndex((m) => m.ts === recheck.ts)).toBeLessThan(thread.findIndex((m) => m.files?.[0]?.id === upload.fileId));
    const img = decodePng(upload.bytes!);
    expect([img.width, img.height]).toEqual([CHART_WIDTH, chartHeight(2)]);
  }, 60_000);
});
