import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRuntime } from '../../src/app/runtime';
import { buildPostmortem } from '../../src/timeline/postmortem';
import { describe, expect, it } from 'vitest';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';
import { incidentFigures } from '../../src/timeline/incident-figures';
import { startRetentionJob } from '../../src/timeline/retention';
import { createLogger } from '../../src/ops/logger';
import { parseConfig } from '../../src/config/load-config';
import { relativeTime } from '../../src/timeline/timeline-text';

function store() {
  return createSqliteUnitOfWork(openDatabase(':memory:', MIGRATIONS));
}

describe('the incident event log', () => {
  it('refuses a known kind with bad detail, and keeps kinds it does not know', async () => {
    const { timeline, incidents } = store();
    const { incident } = await incidents.openOrGet({ node: 'stemedb-1', title: 't', source: 'manual' }, new Date('2026-02-12T06:00:00Z'));
    await expect(incidents.addEvent(incident.id, 'acked', new Date(), 'U1', { level: 'two' })).rejects.toThrow(/escalationId|level/);
    await incidents.addEvent(incident.id, 'pending_action', new Date(), 'U1', { any: 'thing' });
    expect((await timeline.list(incident.id)).map((e) => [e.kind, e.known])).toEqual([
      ['opened', true],
      ['pending_action', false],
    ]);
  });

  it('writes an event in the transaction of its change: a failing append leaves the incident open', async () => {
    const { timeline, incidents } = store();
    const { incident } = await incidents.openOrGet({ node: 'stemedb-1', title: 't', source: 'manual' }, new Date());
    timeline.onAppend((e) => {
      if (e.kind === 'resolved') throw new Error('disk full');
    });
    await expect(incidents.resolve(incident.id, new Date(), 'U1')).rejects.toThrow('disk full');
    expect((await incidents.get(incident.id))?.status).toBe('open');
    expect((await timeline.list(incident.id)).map((e) => e.kind)).toEqual(['opened']);
  });

  it('records the same note (same Slack message) once', async () => {
    const { timeline, incidents } = store();
    const { incident } = await incidents.openOrGet({ node: 'stemedb-1', title: 't', source: 'manual' }, new Date());
    for (let i = 0; i < 2; i++) await incidents.addEvent(incident.id, 'note', new Date(), 'U1', { text: 'x', via: 'shortcut', messageTs: '1.2' }, 'note:1.2');
    expect((await timeline.list(incident.id)).filter((e) => e.kind === 'note')).toHaveLength(1);
  });

  it('derives ack, mitigation and resolve times from the log', async () => {
    const { timeline, incidents } = store();
    const t0 = Date.parse('2026-02-12T06:00:00Z');
    const at = (s: number) => new Date(t0 + s * 1000);
    const { incident } = await incidents.openOrGet({ node: 'stemedb-1', title: 't', source: 'alert', fingerprint: 'f', episode: 'e' }, at(0));
    await incidents.addEvent(incident.id, 'alert_fired', at(0), 'alertmanager', {
      startsAt: '2026-02-12T05:55:00Z',
      alertname: 'A',
      severity: null,
      fingerprint: 'f',
    });
    await incidents.addEvent(incident.id, 'diagnosed', at(5), 'bot', {
      startedAt: at(4).toISOString(),
      causes: ['disk_full'],
      severity: 'critical',
      errorRate: 0.03,
    });
    await incidents.addEvent(incident.id, 'paged', at(6), null, { userIds: ['U1'], level: 1, levelName: 'Secondary' });
    await incidents.addEvent(incident.id, 'acked', at(252), 'U1', { escalationId: 'x', level: 1, round: 1 });
    await incidents.addEvent(incident.id, 'compaction_recheck', at(400), 'bot', { condition: 'cleared', errorRateBefore: 0.03, errorRateAfter: 0.001 });
    await incidents.resolve(incident.id, at(600), 'alertmanager');
    const f = incidentFigures((await incidents.get(incident.id))!, await timeline.list(incident.id));
    expect(f).toMatchObject({
      impactStart: '2026-02-12T05:55:00Z',
      timeToAckMs: 252_000,
      timeToMitigateMs: 400_000,
      timeToResolveMs: 600_000,
      acknowledgedBy: 'U1',
      cause: 'disk_full',
      highestLevel: { level: 2, name: 'Secondary' },
    });
    expect(f.peakErrorRate).toEqual({ rate: 0.03, at: at(4).toISOString() });
    expect([relativeTime(252_000), relativeTime(3_725_000), relativeTime(0), relativeTime(-30_000)]).toEqual(['+4m12s', '+1h02m05s', '+0s', '-30s']);
  });
});

describe('retention', () => {
  it('removes resolved incidents, their events and audit entries older than retention.days; keeps open and recent ones', async () => {
    const repositories = store();
    const { timeline, incidents, audit } = repositories;
    const day = 86_400_000;
    const now = Date.parse('2027-03-01T00:00:00Z');
    const old = (
      await incidents.openOrGet(
        { node: 'stemedb-1', title: 'old', source: 'alert', alertname: 'HighStorageErrorRate', fingerprint: 'fp-old', episode: 'e1' },
        new Date(now - 12 * day),
      )
    ).incident;
    await incidents.resolve(old.id, new Date(now - 11 * day), 'U1');
    const stillOpen = (await incidents.openOrGet({ node: 'stemedb-2', title: 'open', source: 'manual' }, new Date(now - 30 * day))).incident;
    const recent = (await incidents.openOrGet({ node: 'stemedb-3', title: 'recent', source: 'manual' }, new Date(now - 9 * day))).incident;
    await incidents.resolve(recent.id, new Date(now - 9 * day), 'U1');
    await audit.record({ actor: 'U1', action: 'ack', outcome: 'succeeded' }, new Date(now - 11 * day));
    await audit.record({ actor: 'U1', action: 'ack', outcome: 'succeeded' }, new Date(now - 1 * day));
    const config = parseConfig({ stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] }, retention: { days: 10 } }, 'test');
    expect(config.retention).toEqual({ days: 10, interval: 3_600_000 });
    const stop = startRetentionJob({ config, store: repositories, log: createLogger('silent'), now: () => new Date(now) });
    await stop();
    expect(await incidents.get(old.id)).toBeUndefined();
    expect(await timeline.list(old.id)).toEqual([]);
    expect((await incidents.get(stillOpen.id))?.status).toBe('open');
    expect((await incidents.get(recent.id))?.status).toBe('resolved');
    expect(await audit.recent(10)).toHaveLength(1);
    expect(parseConfig({ stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] } }, 'test').retention.days).toBe(400);
  });
});

describe('the impact window from the metrics', () => {
  it("asks Prometheus for the alert expression's peak over the window, and says when it cannot", async () => {
    const queries: URLSearchParams[] = [];
    let broken = false;
    const prometheus = createServer((req, res) => {
      queries.push(new URL(req.url ?? '/', 'http://x').searchParams);
      if (broken)
        return void res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'TSDB not ready' }));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.0437'] }] } }));
    });
    await new Promise<void>((r) => prometheus.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
    const config = parseConfig(
      { stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://10.0.0.11:8080', local: true }] }, prometheus: { url }, store: { sqlitePath: ':memory:' } },
      'test',
    );
    const runtime = await createRuntime({ config, log: createLogger('silent'), secret: () => undefined, now: () => new Date('2026-02-12T07:00:00Z') });
    try {
      const { incidents } = runtime.services.store;
      const { incident } = await incidents.openOrGet(
        { node: 'stemedb-1', title: 't', source: 'alert', fingerprint: 'f', episode: 'e' },
        new Date('2026-02-12T06:00:00Z'),
      );
      await incidents.addEvent(incident.id, 'alert_fired', new Date('2026-02-12T06:00:00Z'), 'alertmanager', {
        startsAt: '2026-02-12T05:55:00Z',
        alertname: 'A',
        severity: null,
        fingerprint: 'f',
      });
      await incidents.resolve(incident.id, new Date('2026-02-12T06:25:00Z'), 'alertmanager');
      const draft = await buildPostmortem(runtime.services, (await incidents.get(incident.id))!);
      expect(draft.markdown).toContain('Peak error rate in Prometheus (errors / operations, 5-minute rate, over the window): 4.37%');
      expect(queries[0]!.get('query')).toBe(
        'max_over_time((sum(rate(stemedb_storage_operation_errors_total{instance="10.0.0.11:8080"}[5m])) / sum(rate(stemedb_storage_operations_total{instance="10.0.0.11:8080"}[5m])))[1800s:15s])',
      );
      expect(queries[0]!.get('time')).toBe(String(Date.parse('2026-02-12T06:25:00Z') / 1000));
      broken = true;
      const line = (await buildPostmortem(runtime.services, (await incidents.get(incident.id))!)).markdown
        .split('\n')
        .find((l) => l.includes('Peak error rate in Prometheus'));
      expect(line).toContain('over the window): not available (Prometheus at http://127.0.0.1:');
      expect(line).toContain('TSDB not ready');
    } finally {
      await runtime.close();
      prometheus.close();
    }
  });
});

describe('the timeline in the local shell', () => {
  it('shows escalation, page, note and ack with times since the opening', async () => {
    const env = { ...process.env };
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[key];
    const stdout = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', 'shell', '--sim'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out));
      child.stdin.end('escalate stemedb-1 disk filling\nnote the batch import is filling the disk\nack\ntimeline\nexit\n');
    });
    expect(stdout).toMatch(/Timeline of inc-[0-9a-f]+ \(stemedb-1, open/);
    expect(stdout).toMatch(/\+0s Primary on-call: Storage SRE paged: @storage-sre \(DM delivered\)/);
    expect(stdout).toContain('Note from @local-shell: the batch import is filling the disk');
    expect(stdout).toContain('Acknowledged by @local-shell');
  }, 60_000);
});
