import { afterAll, describe, expect, it } from 'vitest';
import { startBot, type TestBot } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from './alert-payloads';

const DEVICES = ['sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf', 'sdg', 'sdh', 'sdi', 'sdj', 'sdk'];
const diskIoError = (instance: string, device: string) =>
  alert({ labels: { alertname: 'DiskIOErrors', instance, device }, fingerprint: `dio-${instance}-${device}` });

describe('a storm summary while the alert channel is backed up', () => {
  let bot: TestBot | undefined;
  afterAll(async () => {
    await bot?.stop();
  });

  it("counts a new member on the summary before that member's diagnosis reply can be posted", async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['disk_full'] },
        { name: 'stemedb-2', scenarios: ['healthy'] },
        { name: 'stemedb-3', scenarios: ['compaction_lag'] },
      ],
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
    });
    // 22 alerts on two nodes: 20 get a thread each, the last two open the storm's summary.
    const storm = payload(['stemedb-1', 'stemedb-2'].flatMap((node) => DEVICES.map((device) => diskIoError(node, device))));
    expect((await postWebhook(bot.baseUrl, storm)).status).toBe(200);
    await bot.runtime.alerts.worker.idle(45_000);
    const fake = bot.fake;
    const summaryText = () => String(fake.messages('C0ALERTS').find((m) => String(m.text).startsWith(':rotating_light: Alert storm: DiskIOErrors'))?.text);
    expect(summaryText()).not.toContain('stemedb-3');

    // Now every post in the channel fails (Slack having trouble with posts, or a backlog of replies); updates go.
    fake.failNext('chat.postMessage', { status: 500 }, 1_000);
    expect((await postWebhook(bot.baseUrl, payload([diskIoError('stemedb-3', 'sda')]))).status).toBe(200);
    // stemedb-3 is new to the storm, so its diagnosis reply is due in the summary's thread: it cannot be posted.
    await fake.waitFor(() => fake.calls('chat.postMessage').find((c) => c.status === 500 && String(c.body.text).startsWith('Diagnosing stemedb-3')), 10_000);
    const update = await fake.waitFor(() => fake.calls('chat.update').find((c) => c.ok && String(c.body.text).includes('stemedb-3: 1 firing')), 10_000);
    expect(String(update.body.text)).toContain('DiskIOErrors on 2 node(s), 2 still firing');
  }, 90_000);
});
