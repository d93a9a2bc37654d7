import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';

const CHANNEL = 'C0ALERTS';
const NODES = ['stemedb-1', 'stemedb-2', 'stemedb-3'];
const NAMES = ['HighStorageErrorRate', 'DiskIOErrors'];
const DEVICES = ['sda', 'sdb', 'sdc', 'sdd', 'sde'];

function group(alertname: string) {
  return payload(
    DEVICES.flatMap((device) => NODES.map((instance) => alert({ labels: { alertname, instance, device }, fingerprint: `${alertname}-${instance}-${device}` }))),
  );
}

describe('charts in alert threads during a storm (30 alerts on 3 nodes)', () => {
  let bot: TestBot;
  const topLevel = (): FakeMessage[] => bot.fake.messages(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const isSummary = (m: FakeMessage) => String(m.text).startsWith(':rotating_light: Alert storm:');

  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['disk_full'] },
        { name: 'stemedb-2', scenarios: ['lock_contention'] },
        { name: 'stemedb-3', scenarios: ['compaction_lag'] },
      ],
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
      charts: { sampleAllNodes: true, sampleIntervalMs: 250 },
    });
    const charts = bot.runtime.services.charts!;
    const deadline = Date.now() + 20_000;
    while (NODES.some((n) => charts.history.samples(n).length < 3)) {
      if (Date.now() > deadline) throw new Error('no samples');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const name of NAMES) expect((await postWebhook(bot.baseUrl, group(name))).status).toBe(200);
    await bot.runtime.alerts.worker.idle(45_000);
    await charts.idle(45_000);
    await bot.slack.queue.drain();
  }, 90_000);
  afterAll(async () => bot?.stop());

  it('gives the storm summary one chart, not one per alert', () => {
    const summaries = topLevel().filter(isSummary);
    expect(summaries).toHaveLength(1);
    const replies = bot.fake.thread(CHANNEL, summaries[0]!.ts).slice(1);
    expect(replies.filter((m) => m.files)).toHaveLength(1);
    // The chart follows a diagnosis already in that thread.
    const firstFile = replies.findIndex((m) => m.files);
    expect(replies.slice(0, firstFile).some((m) => /^stemedb-\d: /.test(String(m.text)))).toBe(true);
  });

  it('puts one chart after the diagnosis in every alert thread of its own', () => {
    const own = topLevel().filter((m) => !isSummary(m));
    expect(own).toHaveLength(20);
    for (const header of own) {
      const replies = bot.fake.thread(CHANNEL, header.ts).slice(1);
      expect(replies.map((m) => (m.files ? 'chart' : /^stemedb-\d: /.test(String(m.text)) ? 'diagnosis' : String(m.text)))).toEqual(['diagnosis', 'chart']);
    }
    const uploads = bot.fake.uploads().filter((u) => u.completed);
    expect(uploads).toHaveLength(21);
    expect(uploads.every((u) => u.bytes!.subarray(1, 4).toString('ascii') === 'PNG')).toBe(true);
  });
});
