import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_WIDTH, chartHeight } from '../../src/charts/echarts-option';
import { DIAGNOSIS_ACTIONS } from '../../src/render/diagnosis-blocks';
import { UPLOAD_URL, type FakeUpload, type RecordedCall } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { countColour, decodePng } from './png';

const CHANNEL = 'C0ALERTS';
const isFinal = (c: RecordedCall) => ((c.body.blocks ?? []) as { type: string }[])[0]?.type === 'header';

async function waitForSamples(bot: TestBot, node: string, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (bot.runtime.services.charts!.history.samples(node).length < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} samples of ${node} after 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `/stemedb diagnose <node>`: the diagnosis message's ts and the final update (the verdict) call. */
async function diagnose(bot: TestBot, node: string): Promise<{ ts: string; final: RecordedCall }> {
  const before = bot.fake.calls('chat.postMessage').length;
  expect((await bot.command(`diagnose ${node}`)).status).toBe(200);
  const post = await bot.fake.waitFor(
    (calls) =>
      calls
        .filter((c) => c.method === 'chat.postMessage')
        .slice(before)
        .find((c) => String(c.body.text).startsWith(`Diagnosing ${node}`)),
    10_000,
  );
  const ts = String((post.response as { ts: string }).ts);
  const final = await bot.fake.waitForCall('chat.update', (c) => c.body.ts === ts && isFinal(c), 20_000);
  return { ts, final };
}

describe('a diagnosis chart in the thread (own samples, no Prometheus)', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({ nodes: [{ name: 'stemedb-1', scenarios: ['disk_full'] }], charts: { sampleAllNodes: true, sampleIntervalMs: 250 } });
    await waitForSamples(bot, 'stemedb-1', 3);
  }, 30_000);
  afterAll(async () => bot?.stop());

  it('posts the text first, then uploads a PNG of the error rate and the disk into its thread through files.uploadV2', async () => {
    const { ts, final } = await diagnose(bot, 'stemedb-1');
    const upload = await bot.fake.waitFor(() => bot.fake.uploads().find((u) => u.completed?.threadTs === ts), 20_000);
    expect(upload.completed!.channel).toBe(CHANNEL);
    expect(upload.completed!.initialComment).toMatch(/^Error rate of stemedb-1, \d\d:\d\d-\d\d:\d\d UTC \(the bot's own samples\): [▁▂▃▄▅▆▇█]+ now \d+\.\d\d%/);
    expect(upload.filename).toMatch(/^stemedb-1-error-rate-\d{12}\.png$/);
    // The text was final before the upload began: Slack shows the diagnosis, then its picture.
    const getUrl = bot.fake.calls('files.getUploadURLExternal').find((c) => c.body.filename === upload.filename)!;
    const complete = bot.fake.calls('files.completeUploadExternal').find((c) => JSON.stringify(c.body.files).includes(upload.fileId))!;
    expect(final.at).toBeLessThanOrEqual(getUrl.at);
    expect(getUrl.at).toBeLessThanOrEqual(complete.at);
    const img = decodePng(upload.bytes!);
    // disk_full: the error-rate panel and, under it, disk free from the bot's df samples.
    expect([img.width, img.height]).toEqual([CHART_WIDTH, chartHeight(2)]);
    expect(upload.bytes!.length).toBe(upload.length);
    expect(countColour(img, { left: 70, top: 78, width: 700, height: 190 }, [0x1d, 0x4e, 0xd8])).toBeGreaterThan(20);
    const file = bot.fake.thread(CHANNEL, ts).find((m) => m.files?.some((f) => f.id === upload.fileId));
    expect(file).toBeDefined();
  }, 40_000);

  it('charts "Run again" too', async () => {
    const before = bot.fake.uploads().length;
    expect((await bot.click(DIAGNOSIS_ACTIONS.rerun, JSON.stringify({ node: 'stemedb-1' }))).status).toBe(200);
    const upload = await bot.fake.waitFor(
      () =>
        bot.fake
          .uploads()
          .slice(before)
          .find((u) => u.completed),
      30_000,
    );
    expect(decodePng(upload.bytes!).width).toBe(CHART_WIDTH);
  }, 40_000);

  it('leaves the text intact when the upload fails, and keeps answering', async () => {
    bot.fake.failNext(UPLOAD_URL, { status: 500 });
    const before = bot.fake.uploads().length;
    const { ts } = await diagnose(bot, 'stemedb-1');
    const failed = await bot.fake.waitFor(
      () =>
        bot.fake
          .uploads()
          .slice(before)
          .find((u) => !u.bytes),
      20_000,
    );
    await bot.runtime.services.charts!.idle();
    expect(failed.completed).toBeUndefined();
    const message = bot.fake.messages(CHANNEL).find((m) => m.ts === ts)!;
    expect(String(message.text)).toContain('stemedb-1: disk space exhausted');
    expect(bot.fake.thread(CHANNEL, ts).slice(1)).toEqual([]);
    const next = await diagnose(bot, 'stemedb-1');
    await bot.fake.waitFor(() => bot.fake.uploads().find((u: FakeUpload) => u.completed?.threadTs === next.ts), 20_000);
  }, 60_000);
});

describe('no data, no chart', () => {
  let bot: TestBot;
  beforeAll(async () => {
    // No Prometheus and no open incident: the bot has sampled nothing, so it has no curve to draw.
    bot = await startBot({ nodes: [{ name: 'stemedb-1', scenarios: ['disk_full'] }], charts: {} });
  });
  afterAll(async () => bot?.stop());

  it('says why in the thread and uploads nothing', async () => {
    const { ts } = await diagnose(bot, 'stemedb-1');
    const line = await bot.fake.waitFor(() => bot.fake.thread(CHANNEL, ts).slice(1)[0], 20_000);
    expect(line.text).toMatch(
      /^No chart: error rate: no reading of stemedb-1 in the bot's samples \(no prometheus\.url configured; the bot samples a node every 20 s while it has an open incident\)/,
    );
    await bot.runtime.services.charts!.idle();
    expect(bot.fake.uploads()).toEqual([]);
  }, 40_000);
});
