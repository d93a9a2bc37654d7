import { describe, expect, it } from 'vitest';
import { buildPacket } from '../../src/escalation/escalation-packet';
import { pageView } from '../../src/escalation/escalation-views';
import { packetDetails } from '../../src/escalation/packet-text';
import { blocksSize, LIMITS } from '../../src/render/blocks';

const diagnosis = {
  node: 'stemedb-1',
  startedAt: '2026-11-23T10:00:00.000Z',
  durationMs: 1200,
  errorRate: 0.152,
  verdict: {
    causes: [{ cause: 'lsm_corruption', evidence: ['12 log line(s) "Corruption: block checksum mismatch"'] }],
    severity: 'critical',
    summary: 'Likely cause: LSM tree corruption; error rate 15.20%',
    escalate: true,
    escalateReasons: ['error rate 15.20% exceeds 10% (critical data loss risk)'],
  },
  checks: [
    {
      id: 'error_metrics',
      status: 'critical',
      summary: 's',
      durationMs: 1,
      data: { source: 'scrapes', windowSeconds: 5, errorRate: 0.152, byOperation: { put: { errors: 45, operations: 300, errorRate: 0.15 } } },
    },
    {
      id: 'logs',
      status: 'critical',
      summary: 's',
      durationMs: 1,
      data: {
        samples: {
          lsm_corruption: ['ERROR Corruption: block checksum mismatch <!channel> `rm -rf`'],
          disk_io: [],
          lock_contention: [],
          storage_error: ['x'.repeat(1_000)],
        },
      },
    },
  ],
  recommendations: [],
};

const page = (packet: ReturnType<typeof buildPacket>) => ({
  packet,
  level: 0,
  round: 1,
  levelName: 'Primary on-call: Storage SRE',
  levelCount: 3,
  ackTimeoutMs: 300_000,
  nextLevelName: 'Secondary: Database engineer',
});

describe('escalation packet', () => {
  it("carries the runbook's 'Escalate with logs': diagnosis, error metrics, log excerpts, reasons, runbook", () => {
    const packet = buildPacket({
      incidentId: 'inc-1a2b3c',
      node: 'stemedb-1',
      title: 't',
      reasons: ['disk on fire (alice)'],
      diagnosis,
      runbookUrl: 'https://runbook',
    });
    expect(packet.reasons).toEqual(['disk on fire (alice)', 'error rate 15.20% exceeds 10% (critical data loss risk)']);
    expect(packet.errorMetrics).toEqual({
      errorRate: 0.152,
      source: 'scrapes',
      windowSeconds: 5,
      byOperation: [{ operation: 'put', errors: 45, operations: 300, errorRate: 0.15 }],
    });
    expect(packet.logExcerpts[0]).toContain('block checksum mismatch');
    expect(packet.logExcerpts[1]!.length).toBeLessThanOrEqual(300);
    expect(packetDetails(packet)).toMatchObject({
      incident: 'inc-1a2b3c',
      error_rate: 0.152,
      diagnosis_summary: diagnosis.verdict.summary,
      runbook: 'https://runbook',
      log_excerpts: packet.logExcerpts,
    });
  });

  it('renders log text from the node inert: no mention, no link, within Slack limits', () => {
    const packet = buildPacket({
      incidentId: 'inc-1a2b3c',
      node: 'stemedb-1',
      title: 't',
      reasons: ['<@U123> <https://evil|click>'],
      diagnosis,
      runbookUrl: 'https://runbook',
    });
    const view = pageView(page(packet), { marker: 'page:k' });
    expect(view.text).toContain('&lt;!channel&gt;');
    expect(view.text).toContain('&lt;@U123&gt; &lt;https://evil|click&gt;');
    expect(view.text).not.toContain('<!channel>');
    expect(blocksSize(view.blocks!)).toBeLessThan(LIMITS.totalChars);
    expect(JSON.stringify(view.blocks)).toContain('"block_id":"page:k"');
  });

  it('degrades to "none recorded" when the stored diagnosis is missing or unreadable', () => {
    for (const broken of [undefined, null, { node: 'x' }, 'garbage']) {
      const packet = buildPacket({ incidentId: 'inc-1', node: 'stemedb-1', title: 't', reasons: [], diagnosis: broken, runbookUrl: 'https://runbook' });
      expect(packet).toMatchObject({ diagnosis: null, errorMetrics: null, logExcerpts: [] });
      expect(pageView(page(packet), { marker: 'page:k' }).text).toContain('none recorded for this incident yet');
    }
  });
});
