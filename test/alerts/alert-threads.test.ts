import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from './alert-payloads';

const CHANNEL = 'C0ALERTS';

function headers(fake: FakeSlack): FakeMessage[] {
  return fake.messages(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
}

function headerFor(fake: FakeSlack, needle: string): FakeMessage | undefined {
  return headers(fake).find((m) => String(m.text).includes(needle));
}

async function waitForReply(fake: FakeSlack, header: FakeMessage, needle: string, timeoutMs = 20_000): Promise<FakeMessage> {
  return fake.waitFor(
    () =>
      fake
        .thread(CHANNEL, header.ts)
        .slice(1)
        .find((m) => String(m.text).includes(needle)),
    timeoutMs,
  );
}

describe('alert threads: POST /alertmanager to Slack threads', () => {
  let bot: TestBot;
  const resolvedEscalations: string[] = [];

  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['disk_full'] },
        { name: 'stemedb-2', scenarios: ['healthy'] },
      ],
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
    });
    // Observe (and still run) the escalation feature's resolve: the alert's resolution must reach it.
    const escalations = bot.runtime.services.escalations!;
    const resolve = escalations.resolveIncident.bind(escalations);
    escalations.resolveIncident = (id, by) => {
      resolvedEscalations.push(`${id}:${by}`);
      return resolve(id, by);
    };
  });
  afterAll(async () => bot?.stop());

  it('posts one header per alert, "diagnosing..." in its thread, then the diagnosis in its place', async () => {
    const res = await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-disk-1' })]));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'recorded', opened: 1 });
    const header = await bot.fake.waitFor(() => headerFor(bot.fake, 'HighStorageErrorRate on stemedb-1'));
    expect(header.text).toContain('Storage operation errors above 1% on stemedb-1');
    const blocks = JSON.stringify(header.blocks);
    expect(blocks).toContain('https://runbooks.example.com/storage-errors');
    expect(blocks).toContain('http://prometheus.example.com:9090/graph');
    expect(blocks).toContain('diagnosis_rerun');
    expect(blocks).toContain('diagnosis_compact');
    expect(blocks).toContain('diagnosis_escalate');
    expect(blocks).not.toContain('alert_silence');
    expect(blocks).toContain('First time HighStorageErrorRate fired on stemedb-1');

    const diagnosis = await waitForReply(bot.fake, header, 'disk space exhausted');
    expect(diagnosis.edited).toBeDefined();
    const placeholder = bot.fake.calls('chat.postMessage').find((c) => c.body.thread_ts === header.ts);
    expect(String(placeholder?.body.text)).toContain('Diagnosing stemedb-1');
    const incident = (await bot.runtime.services.store.incidents.openForFingerprint('fp-disk-1'))!;
    expect((incident.lastDiagnosis as { verdict: { causes: { cause: string }[] } }).verdict.causes[0]!.cause).toBe('disk_full');
    // The header follows with the measured error rate.
    await bot.fake.waitFor(() => /Error rate \d+\.\d+%/.test(String(headerFor(bot.fake, 'HighStorageErrorRate on stemedb-1')?.text)));
  });

  it('gives the same webhook twice, retries and repeats one thread', async () => {
    await bot.runtime.alerts.worker.idle();
    const before = headers(bot.fake).length;
    const body = payload([alert({ fingerprint: 'fp-dup', labels: { instance: 'stemedb-2', alertname: 'LSMCompactionLag' } })]);
    const answers = await Promise.all([postWebhook(bot.baseUrl, body), postWebhook(bot.baseUrl, body)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await bot.fake.waitFor(() => headerFor(bot.fake, 'LSMCompactionLag on stemedb-2'));
    await bot.runtime.alerts.worker.idle();
    // Alertmanager's repeat after repeat_interval: same fingerprint, same startsAt.
    expect((await postWebhook(bot.baseUrl, body)).body).toMatchObject({ opened: 0, repeated: 1 });
    await bot.runtime.alerts.worker.idle();
    expect(headers(bot.fake).length).toBe(before + 1);
    const header = headerFor(bot.fake, 'LSMCompactionLag on stemedb-2')!;
    const placeholders = bot.fake.calls('chat.postMessage').filter((c) => c.body.thread_ts === header.ts);
    expect(placeholders).toHaveLength(1);
    // The concurrent copy and the repeat count on the thread; the diagnosis ran once (one placeholder above).
    const incident = (await bot.runtime.services.store.incidents.openForFingerprint('fp-dup'))!;
    expect((await bot.runtime.services.store.alerts.thread(incident.id))?.repeats).toBe(2);
  });

  it('updates the header and posts in the thread when the alert resolves, and ends the escalation', async () => {
    const header = headerFor(bot.fake, 'HighStorageErrorRate on stemedb-1')!;
    const incident = (await bot.runtime.services.store.incidents.openForFingerprint('fp-disk-1'))!;
    const res = await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-disk-1', status: 'resolved', endsAt: new Date().toISOString() })]));
    expect(res.body).toMatchObject({ resolved: 1 });
    await waitForReply(bot.fake, header, 'Resolved: Alertmanager reports HighStorageErrorRate on stemedb-1 cleared');
    await bot.fake.waitFor(() =>
      String(bot.fake.messages(CHANNEL).find((m) => m.ts === header.ts)?.text).startsWith('RESOLVED: HighStorageErrorRate on stemedb-1 after'),
    );
    const updated = bot.fake.messages(CHANNEL).find((m) => m.ts === header.ts)!;
    expect(JSON.stringify(updated.blocks)).not.toContain('diagnosis_compact');
    expect(resolvedEscalations).toContain(`${incident.id}:alertmanager`);
    expect((await bot.runtime.services.store.incidents.get(incident.id))!.status).toBe('resolved');
  });

  it('opens a new thread for the next firing episode, with the memory of the last one', async () => {
    await bot.runtime.alerts.worker.idle();
    const res = await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-disk-1', startsAt: new Date().toISOString() })]));
    expect(res.body).toMatchObject({ opened: 1 });
    const header = await bot.fake.waitFor(() =>
      headers(bot.fake).find((m) => String(m.text).includes('HighStorageErrorRate on stemedb-1') && String(m.text).includes('fired once before')),
    );
    expect(String(header.text)).toMatch(/Last time \(\d+s ago\): no action recorded; resolved by alertmanager after/);
  });

  it('gives an alert for a node not in the inventory a thread that says so', async () => {
    await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-unknown', labels: { instance: '10.9.9.9:18180' } })]));
    const header = await bot.fake.waitFor(() => headerFor(bot.fake, 'on 10.9.9.9:18180'));
    expect(String(header.text)).toContain('10.9.9.9:18180 is not in the inventory');
    const note = await waitForReply(bot.fake, header, 'is not a node in the inventory');
    expect(note.text).toContain('Configured nodes: stemedb-1, stemedb-2');
    expect(JSON.stringify(header.blocks)).not.toContain('diagnosis_compact');
  });

  it('keeps one header when Slack answers 429 with Retry-After', async () => {
    await bot.runtime.alerts.worker.idle();
    bot.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-429', labels: { instance: 'stemedb-2', alertname: 'DiskIOErrors' } })]));
    await bot.fake.waitFor(() => headerFor(bot.fake, 'DiskIOErrors on stemedb-2'), 10_000);
    await bot.runtime.alerts.worker.idle();
    expect(headers(bot.fake).filter((m) => String(m.text).includes('DiskIOErrors on stemedb-2'))).toHaveLength(1);
    expect(bot.fake.calls('chat.postMessage').some((c) => c.status === 429)).toBe(true);
  });

  it('counts received alerts and pending work in /metrics', async () => {
    await bot.runtime.alerts.worker.idle();
    const text = await fetch(`${bot.baseUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/stemedb_chatops_alerts_received_total\{status="firing"\} [1-9]/);
    expect(text).toMatch(/stemedb_chatops_alerts_received_total\{status="resolved"\} 1/);
    expect(text).toContain('stemedb_chatops_alert_jobs{status="pending"} 0');
    expect(text).toContain('stemedb_chatops_alert_jobs{status="failed"} 0');
  });

  it('escapes Slack markup in annotations', async () => {
    await postWebhook(
      bot.baseUrl,
      payload([
        alert({
          fingerprint: 'fp-evil',
          labels: { alertname: 'DiskSpaceWarning', instance: 'stemedb-2' },
          annotations: { summary: '<!channel> disk <https://evil.example|click>' },
        }),
      ]),
    );
    const header = await bot.fake.waitFor(() => headerFor(bot.fake, 'DiskSpaceWarning on stemedb-2'));
    expect(JSON.stringify(header.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(header.blocks)).toContain('&lt;!channel&gt;');
  });
});
