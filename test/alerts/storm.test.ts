import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../harness/fake-slack';
import type { Db } from '../../src/store/database';
import { startBot, type TestBot } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from './alert-payloads';
import { openBotSqlite } from './bot-sqlite';

const CHANNEL = 'C0ALERTS';
const NODES = ['stemedb-1', 'stemedb-2', 'stemedb-3'];
const NAMES = ['HighStorageErrorRate', 'DiskIOErrors'];
const DEVICES = ['sda', 'sdb', 'sdc', 'sdd', 'sde'];

/** One group per alert name (Alertmanager `group_by: [alertname]`), devices x nodes interleaved. */
function group(alertname: string, status: 'firing' | 'resolved') {
  return payload(
    DEVICES.flatMap((device) =>
      NODES.map((instance) => alert({ status, labels: { alertname, instance, device }, fingerprint: `${alertname}-${instance}-${device}` })),
    ),
  );
}

describe('an alert storm: 30 alerts on 3 nodes at once', () => {
  let bot: TestBot;
  let db: Db;
  const topLevel = (): FakeMessage[] => bot.fake.messages(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const summaries = () => topLevel().filter((m) => String(m.text).startsWith(':rotating_light: Alert storm:'));

  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['disk_full'] },
        { name: 'stemedb-2', scenarios: ['healthy'] },
        { name: 'stemedb-3', scenarios: ['compaction_lag'] },
      ],
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
    });
    bot.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    for (const name of NAMES) expect((await postWebhook(bot.baseUrl, group(name, 'firing'))).status).toBe(200);
    await bot.runtime.alerts.worker.idle(45_000);
    db = openBotSqlite(bot.dir);
  }, 60_000);
  afterAll(async () => {
    db?.close();
    await bot?.stop();
  });

  it('gives the first 20 alerts a thread each and the rest one summary per alert name', () => {
    expect(db.prepare('SELECT COUNT(*) AS n FROM alert_threads WHERE summary_id IS NULL').get()).toEqual({ n: 20 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM alert_threads WHERE summary_id IS NOT NULL').get()).toEqual({ n: 10 });
    expect(summaries()).toHaveLength(1);
    expect(topLevel()).toHaveLength(21);
    const summary = summaries()[0]!;
    expect(summary.text).toContain('DiskIOErrors on 3 node(s), 3 still firing');
    for (const node of NODES) expect(String(summary.text)).toMatch(new RegExp(`${node}: \\d firing; `));
  });

  it('records every alert with a thread, and doubles none', async () => {
    const incidents = await bot.runtime.services.store.incidents.listOpen();
    expect(incidents).toHaveLength(30);
    expect(incidents.every((i) => i.threadTs)).toBe(true);
    const threads = new Map(await Promise.all(incidents.map(async (i) => [i.id, (await bot.runtime.alerts.store.thread(i.id))!] as const)));
    const headerTs = incidents.filter((i) => !threads.get(i.id)!.summaryId).map((i) => i.threadTs);
    expect(new Set(headerTs).size).toBe(20);
  });

  it('diagnoses each node once, not once per alert', () => {
    const rows = db
      .prepare(
        "SELECT i.node AS node, COUNT(DISTINCT json_extract(e.detail_json, '$.startedAt')) AS runs FROM incident_events e JOIN incidents i ON i.id = e.incident_id WHERE e.kind = 'diagnosed' GROUP BY i.node ORDER BY i.node",
      )
      .all();
    expect(rows).toEqual(NODES.map((node) => ({ node, runs: 1 })));
  });

  it('puts the diagnosis in every own thread once, and once per node in the summary thread', () => {
    for (const header of topLevel().filter((m) => !summaries().includes(m))) {
      const replies = bot.fake.thread(CHANNEL, header.ts).slice(1);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.text).toMatch(/^stemedb-\d: /);
    }
    const inSummary = bot.fake.thread(CHANNEL, summaries()[0]!.ts).slice(1);
    expect(inSummary.map((m) => String(m.text).split(':')[0]).sort()).toEqual(NODES);
    expect(String(summaries()[0]!.text)).toContain('stemedb-1: 3 firing; disk space exhausted');
  });

  it('marks everything resolved when the storm clears, still without a second message per alert', async () => {
    const before = topLevel().length;
    for (const name of NAMES) await postWebhook(bot.baseUrl, group(name, 'resolved'));
    await bot.runtime.alerts.worker.idle(45_000);
    expect(topLevel()).toHaveLength(before);
    expect(await bot.runtime.services.store.incidents.listOpen()).toHaveLength(0);
    expect(summaries()[0]!.text).toContain('DiskIOErrors on 3 node(s), 0 still firing');
    const resolvedHeaders = topLevel().filter((m) => String(m.text).startsWith('RESOLVED:'));
    expect(resolvedHeaders).toHaveLength(20);
  }, 60_000);
});
