import { describe, expect, it } from 'vitest';
import { incidentMemory } from '../../src/alerts/incident-memory';
import type { Incident, IncidentEvent } from '../../src/incidents/incident-store';

const NOW = new Date('2026-02-12T06:00:00Z');

function incident(overrides: Partial<Incident>): Incident {
  return {
    id: 'inc-000001',
    node: 'stemedb-1',
    title: 't',
    source: 'alert',
    status: 'resolved',
    severity: 'critical',
    alertname: 'HighStorageErrorRate',
    fingerprint: 'fp',
    episode: '2026-02-10T06:00:00.000Z',
    labels: {},
    annotations: {},
    channel: 'C0ALERTS',
    threadTs: '1.1',
    openedAt: '2026-02-10T06:00:30.000Z',
    resolvedAt: '2026-02-10T06:14:00.000Z',
    resolvedBy: 'alertmanager',
    lastDiagnosis: null,
    ...overrides,
  };
}

let eventId = 0;
function event(kind: string, actor: string | null, detail: Record<string, unknown> = {}): IncidentEvent {
  return { id: ++eventId, incidentId: 'inc-000001', at: '2026-02-10T06:05:00.000Z', kind, actor, detail };
}

describe('incidentMemory', () => {
  it('says when this is the first time', () => {
    expect(incidentMemory({ alertname: 'HighStorageErrorRate', node: 'stemedb-1', days: 30, history: [], lastEvents: [], now: NOW })).toEqual([
      'First time HighStorageErrorRate fired on stemedb-1 in the last 30 days.',
    ]);
  });

  it('counts earlier firings and tells what was done last time and how it ended', () => {
    const lines = incidentMemory({
      alertname: 'HighStorageErrorRate',
      node: 'stemedb-1',
      days: 30,
      history: [incident({}), incident({ id: 'inc-000002', openedAt: '2026-01-20T00:00:00.000Z' })],
      lastEvents: [
        event('opened', null),
        event('compacted', 'U0BOB', { outcome: 'succeeded' }),
        event('escalated', 'bot', { levelName: 'Primary on-call: Storage SRE' }),
        event('acked', 'U0CAROL'),
        event('resolved', 'alertmanager'),
      ],
      now: NOW,
    });
    expect(lines).toEqual([
      'HighStorageErrorRate fired 2 times before on stemedb-1 in the last 30 days.',
      'Last time (1d 23h ago): compacted by <@U0BOB> (succeeded), escalated to Primary on-call: Storage SRE by bot, acknowledged by <@U0CAROL>; resolved by alertmanager after 14m.',
    ]);
  });

  it('says when the last one is still open and nothing was recorded', () => {
    const lines = incidentMemory({
      alertname: 'DiskIOErrors',
      node: 'stemedb-2',
      days: 7,
      history: [incident({ status: 'open', resolvedAt: null, resolvedBy: null })],
      lastEvents: [],
      now: NOW,
    });
    expect(lines[0]).toBe('DiskIOErrors fired once before on stemedb-2 in the last 7 days.');
    expect(lines[1]).toMatch(/no action recorded; it is still open\.$/);
  });

  it('keeps actor names from becoming Slack markup', () => {
    const lines = incidentMemory({ alertname: 'A', node: 'n', days: 30, history: [incident({})], lastEvents: [event('acked', '<!channel>')], now: NOW });
    expect(lines[1]).toContain('acknowledged by &lt;!channel&gt;');
  });
});
