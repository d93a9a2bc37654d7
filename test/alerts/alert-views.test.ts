import { describe, expect, it } from 'vitest';
import { headerView } from '../../src/alerts/alert-views';
import { stormSummaryView, type SummaryMember } from '../../src/alerts/storm-summary-view';
import type { StoredAlert } from '../../src/alerts/alert-store';
import { LIMITS } from '../../src/render/blocks';
import type { Incident } from '../../src/incidents/incident-store';

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-abc123',
    node: 'stemedb-1',
    title: 'Storage errors',
    source: 'alert',
    status: 'open',
    severity: 'critical',
    alertname: 'HighStorageErrorRate',
    fingerprint: 'fp',
    episode: '2026-02-12T06:00:00.000Z',
    labels: {},
    annotations: {},
    channel: 'C0ALERTS',
    threadTs: null,
    openedAt: '2026-02-12T06:00:05.000Z',
    resolvedAt: null,
    resolvedBy: null,
    lastDiagnosis: null,
    ...overrides,
  };
}

const alert: StoredAlert = {
  status: 'firing',
  labels: { alertname: 'HighStorageErrorRate', instance: '10.0.0.11:18180', severity: 'critical' },
  annotations: { summary: 'Errors above 1%', description: 'x'.repeat(5000), runbook_url: 'javascript:alert(1)' },
  startsAt: '2026-02-12T06:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=a|b>c',
};

const base = { alert, nodeLabel: '10.0.0.11:18180', nodeLabelName: 'instance', memory: ['First time.'], runbookUrl: 'https://runbooks.example.com/x' };

function sizeOk(blocks: unknown[]): void {
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
  expect(JSON.stringify(blocks).length).toBeLessThanOrEqual(LIMITS.totalChars);
}

describe('headerView', () => {
  it('stays within Block Kit limits with a huge description, and drops links that are not http(s)', () => {
    const view = headerView({ ...base, incident: incident() });
    sizeOk(view.blocks!);
    const json = JSON.stringify(view.blocks);
    expect(json).not.toContain('javascript:');
    expect(json).toContain('<http://prometheus:9090/graph?g0.expr=a%7Cb%3Ec|Prometheus>');
    expect(json).toContain('*Error rate:* measuring…');
    expect(view.text.length).toBeLessThanOrEqual(3000);
  });

  it('shows the diagnosis gist once there is one', () => {
    const lastDiagnosis = { errorRate: 0.0312, startedAt: '2026-02-12T06:00:06.000Z', verdict: { causes: [{ cause: 'disk_full' }], severity: 'critical' } };
    const view = headerView({ ...base, incident: incident({ lastDiagnosis: lastDiagnosis as unknown as Incident['lastDiagnosis'] }) });
    expect(view.text).toContain('Error rate 3.12%; likely cause: disk space exhausted');
  });

  it('has the Silence button only when asked, and no buttons once resolved', () => {
    const ids = (v: ReturnType<typeof headerView>) => JSON.stringify(v.blocks).match(/"action_id":"[a-z_]+"/g) ?? [];
    expect(ids(headerView({ ...base, incident: incident() }))).toHaveLength(3);
    expect(ids(headerView({ ...base, incident: incident(), silenceLabel: 'Silence 1h' }))).toContain('"action_id":"alert_silence"');
    const resolved = headerView({ ...base, incident: incident({ status: 'resolved', resolvedAt: '2026-02-12T06:12:30.000Z' }), silenceLabel: 'Silence 1h' });
    expect(ids(resolved)).toHaveLength(0);
    expect(resolved.text).toMatch(/^RESOLVED: HighStorageErrorRate on stemedb-1 after 12m 30s/);
  });
});

describe('stormSummaryView', () => {
  it('has one line per node and fits Slack with 300 alerts on 150 nodes', () => {
    const members: SummaryMember[] = [];
    for (let n = 0; n < 150; n++) {
      for (const device of ['sda', 'sdb'])
        members.push({
          incident: incident({ id: `inc-${n}${device}`, node: `stemedb-${n}`, status: n % 3 === 0 ? 'resolved' : 'open' }),
          nodeLabel: `stemedb-${n}`,
        });
    }
    const view = stormSummaryView('DiskIOErrors', members, 20, 60_000);
    sizeOk(view.blocks!);
    expect(view.blocks![0]).toMatchObject({ type: 'header', text: { text: ':rotating_light: Alert storm: DiskIOErrors on 150 node(s), 100 still firing' } });
    expect(JSON.stringify(view.blocks)).toContain('more node(s)');
    expect(view.text).toContain('stemedb-1: 2 firing; diagnosing…');
    expect(view.text).toContain('stemedb-0: resolved (2)');
  });

  it('names alerts for nodes outside the inventory', () => {
    const view = stormSummaryView('DiskIOErrors', [{ incident: incident({ node: null }), nodeLabel: '10.9.9.9:9100' }], 20, 60_000);
    expect(view.text).toContain('10.9.9.9:9100 (not in the inventory): 1 firing; no diagnosis');
  });
});
