import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, sleep } from './escalation-helpers';

const CHAIN = {
  levels: [
    { name: 'Primary on-call: Storage SRE', ackTimeout: '5m', slack: { users: ['USRE1'] } },
    { name: 'Secondary: Database engineer', ackTimeout: '5m', slack: { users: ['UDBE1'] } },
  ],
  repeat: { times: 0 },
};

/** Issue 10, item 1: one open incident per node and problem, whichever way the incident starts. */
describe('one incident per node: diagnosis, escalate and alerts join it', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  const reply = async (id: string) => String(((await fake.waitFor(() => fake.responses(id)[0])).body as { text: string }).text);
  const incidents = () => bot.runtime.services.store.incidents;
  const escalationsOf = (id: string) => bot.runtime.services.escalations!.escalations.ofIncident(id);

  beforeAll(async () => {
    fake = await startFakeSlack();
    bot = await startBot({
      fake,
      nodes: [
        // Puts failing on a healthy node: ~15% of operations fail, over the runbook's 10% escalate line.
        { name: 'stemedb-hi', scenarios: ['healthy'], errorFraction: 0.45 },
        { name: 'stemedb-2', scenarios: ['healthy'] },
        { name: 'stemedb-3', scenarios: ['healthy'] },
      ],
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
      config: { escalation: CHAIN },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  it('an alert after a diagnosis that escalated joins its incident: one thread, one chain, one DM', async () => {
    await bot.command('diagnose stemedb-hi');
    const first = await fake.waitFor(() => dmsTo(fake, 'USRE1')[0], 20_000);
    const id = (await incidents().openForNode('stemedb-hi'))!.id;
    const thread = await fake.waitFor(async () => (await incidents().get(id))?.threadTs ?? undefined);

    expect((await postWebhook(bot.baseUrl, payload([alert({ labels: { instance: 'stemedb-hi' } })]))).status).toBe(200);
    await bot.runtime.alerts.worker.idle(30_000);
    // The alert's own diagnosis also meets the criteria: it must join the running chain, not start another.
    await sleep(500);

    expect((await incidents().openOfNode('stemedb-hi')).map((i) => i.id)).toEqual([id]);
    expect(await incidents().get(id)).toMatchObject({ alertname: 'HighStorageErrorRate', threadTs: thread });
    expect(await escalationsOf(id)).toHaveLength(1);
    expect(dmsTo(fake, 'USRE1')).toEqual([first]);
    // Responders see one place: no second header in the channel, and the incident's header became the alert's.
    // (The other top-level message is the diagnosis the command posted.)
    const headers = fake.messages('C0ALERTS').filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && !String(m.text).startsWith('stemedb-hi: '));
    expect(headers.map((m) => m.ts)).toEqual([thread]);
    expect(String(headers[0]!.text)).toMatch(/^HighStorageErrorRate on stemedb-hi \(critical\): Storage operation errors above 1% on stemedb-hi/);
    // The alert's diagnosis went into that thread.
    expect(
      fake
        .thread('C0ALERTS', thread)
        .slice(1)
        .some((m) => String(m.text).startsWith('stemedb-hi: ')),
    ).toBe(true);

    await bot.command('status', {}, 'st1');
    const status = await reply('st1');
    expect(status).toContain(`*${id}* stemedb-hi`);
    expect(status).toMatch(/Started: automatically, a diagnosis run by U_ALICE met the escalation criteria: /);
    expect(status.match(/stemedb-hi/g)!.length).toBeGreaterThanOrEqual(1);
    expect(status).toContain('(1)');
  });

  it('an alert and `escalate` arriving together give one incident and one chain', async () => {
    const [hook] = await Promise.all([
      postWebhook(bot.baseUrl, payload([alert({ labels: { instance: 'stemedb-2' }, fingerprint: 'fp-together' })])),
      bot.command('escalate stemedb-2 disk errors', {}, 'together'),
    ]);
    expect(hook.status).toBe(200);
    await reply('together');
    await bot.runtime.alerts.worker.idle(30_000);
    const open = await incidents().openOfNode('stemedb-2');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ fingerprint: 'fp-together' });
    expect(await escalationsOf(open[0]!.id)).toHaveLength(1);
    await fake.waitFor(() => dmsTo(fake, 'USRE1', open[0]!.id)[0]);
    expect(dmsTo(fake, 'USRE1', open[0]!.id)).toHaveLength(1);
    // One place: a single header in the channel (the alert's), the thread the page and the diagnosis went to.
    await bot.runtime.alerts.worker.idle(30_000);
    const headers = fake.messages('C0ALERTS').filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && String(m.text).includes('stemedb-2'));
    expect(headers.map((m) => m.ts)).toEqual([(await incidents().get(open[0]!.id))!.threadTs]);

    await bot.command('status', {}, 'st2');
    expect(await reply('st2')).toMatch(new RegExp(`${open[0]!.id}[^]*Started: by U_ALICE \\(\`/stemedb escalate\`\\): disk errors`));
  });

  it('a second alert of the same problem from another exporter joins; the incident closes when both cleared', async () => {
    const labels = { instance: 'stemedb-3' };
    await postWebhook(bot.baseUrl, payload([alert({ labels, fingerprint: 'fp-a' })]));
    await postWebhook(bot.baseUrl, payload([alert({ labels: { ...labels, job: 'node' }, fingerprint: 'fp-b' })]));
    await bot.runtime.alerts.worker.idle(30_000);
    const open = await incidents().openOfNode('stemedb-3');
    expect(open).toHaveLength(1);
    await postWebhook(bot.baseUrl, payload([alert({ labels, fingerprint: 'fp-a', status: 'resolved' })]));
    expect((await incidents().get(open[0]!.id))?.status).toBe('open');
    await postWebhook(bot.baseUrl, payload([alert({ labels: { ...labels, job: 'node' }, fingerprint: 'fp-b', status: 'resolved' })]));
    expect((await incidents().get(open[0]!.id))?.status).toBe('resolved');
    // A different problem on the node (another disk's alert) is its own incident.
    await postWebhook(bot.baseUrl, payload([alert({ labels: { ...labels, alertname: 'DiskIOErrors', device: 'sda' }, fingerprint: 'fp-c' })]));
    await postWebhook(bot.baseUrl, payload([alert({ labels: { ...labels, alertname: 'DiskIOErrors', device: 'sdb' }, fingerprint: 'fp-d' })]));
    expect(await incidents().openOfNode('stemedb-3')).toHaveLength(2);
  });
});
