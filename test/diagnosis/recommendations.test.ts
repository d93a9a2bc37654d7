import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config';
import type { NodeConfig } from '../../src/config/schema';
import { recommendationsFor } from '../../src/diagnosis/recommendations';
import { CAUSES, type Cause, type Verdict } from '../../src/diagnosis/types';

function nodeConfig(fields: Record<string, unknown>): NodeConfig {
  return parseConfig({ stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://10.0.0.11:8080', ...fields }] } }, 'test').stemedb.nodes[0]!;
}

const verdict = (causes: Cause[], escalateReasons: string[] = []): Verdict => ({
  causes: causes.map((cause) => ({ cause, evidence: ['x'] })),
  severity: 'critical',
  summary: '',
  escalate: escalateReasons.length > 0,
  escalateReasons,
});

describe('recommendationsFor', () => {
  const plain = nodeConfig({ dataDir: '/srv/stemedb', unit: 'stemedb-api@2', logs: { file: '/var/log/stemedb/storage.log' } });

  it("fills in the node's data dir, WAL and KV paths, unit, log and API", () => {
    const steps = (causes: Cause[]) =>
      recommendationsFor(verdict(causes), plain, {
        space: { filesystem: '/dev/sdb1', sizeBytes: 1e12, usedBytes: 9e11, availBytes: 1e11, freeFraction: 0.1, mountpoint: '/srv/stemedb' },
      })
        .flatMap((r) => r.steps)
        .join('\n');
    const all = `${steps(['disk_full', 'lock_contention', 'compaction_lag'])}\n${steps(['lsm_corruption', 'disk_hardware'])}`;
    expect(all).toContain('cd /srv/stemedb/wal && gzip');
    expect(all).toContain('mv /srv/stemedb/kv /srv/stemedb/kv.corrupted.$(date +%Y%m%d)');
    expect(all).toContain('stemedb-api --rebuild-from-wal --wal-path /srv/stemedb/wal --kv-path /srv/stemedb/kv');
    expect(all).toContain('systemctl stop stemedb-api@2');
    // Issue 9 item 5: fsck on the device and mount point df reported, one command per line (was one && chain with <device>).
    expect(all).toContain('umount /srv/stemedb\nfsck -y /dev/sdb1\nmount /srv/stemedb');
    expect(all).not.toMatch(/&&.*<device>|<device>.*&&/);
    expect(all).toContain('tail -F /var/log/stemedb/storage.log | grep compaction');
    expect(all).toContain('curl -X POST http://10.0.0.11:8080/v1/admin/storage/compact');
    expect(all).toContain('curl -s http://10.0.0.11:8080/v1/admin/slow-queries | jq');
    expect(all).not.toContain('/var/lib/stemedb');
  });

  it('uses journalctl for a journald node', () => {
    const steps = recommendationsFor(verdict(['compaction_lag']), nodeConfig({ logs: { journald: 'stemedb-api' } }))[0]!.steps;
    expect(steps).toContain('journalctl -u stemedb-api -f | grep compaction   # monitor progress');
  });

  it('attaches the bot action of each cause, one recommendation per cause, in the verdict order', () => {
    const recs = recommendationsFor(verdict(['lock_contention', 'disk_full', 'compaction_lag', 'unknown']), plain);
    expect(recs.map((r) => r.action)).toEqual(['slow_queries', 'compact', 'compact', 'escalate']);
    expect(recs.every((r) => r.title.length > 0 && r.steps.length > 0)).toBe(true);
    // Issue 9 item 5: beside corruption or a failing disk nothing recommends compacting (was: compact for both).
    const harmful = recommendationsFor(verdict(['disk_full', 'compaction_lag', 'disk_hardware', 'lsm_corruption']), plain);
    expect(harmful.map((r) => r.action)).toEqual([undefined, undefined, 'escalate', 'escalate']);
    expect(harmful.flatMap((r) => r.steps).filter((s) => s.includes('/storage/compact'))).toEqual([]);
  });

  it('has nothing to do for a healthy node', () => {
    expect(recommendationsFor(verdict(['healthy']), plain)).toEqual([]);
  });

  it('adds an escalate recommendation with the reasons when the verdict escalates and no cause already does', () => {
    const recs = recommendationsFor(verdict(['disk_full'], ['error rate 15.00% exceeds 10% (critical data loss risk)']), plain);
    expect(recs.at(-1)).toEqual({
      title: 'Escalate now (runbook: escalate immediately)',
      steps: ['error rate 15.00% exceeds 10% (critical data loss risk)'],
      action: 'escalate',
    });
    const corrupt = recommendationsFor(verdict(['lsm_corruption'], ['LSM corruption detected']), plain);
    expect(corrupt.filter((r) => r.action === 'escalate')).toHaveLength(1);
  });

  it('quotes paths with spaces, quotes or $(...) so a pasted command means the same path', () => {
    const hostile = nodeConfig({ dataDir: "/data/it's $(touch /tmp/x) dir", logs: { file: '/var/log/my logs/storage.log' } });
    const steps = recommendationsFor(verdict(['disk_full', 'lsm_corruption']), hostile).flatMap((r) => r.steps);
    expect(steps[0]).toBe(`cd '/data/it'\\''s $(touch /tmp/x) dir/wal' && gzip $(ls -t segment.*.wal | tail -n +20)   # compress old WAL segments`);
    // Beside corruption the compaction steps go (issue 9 item 5): the log quoting shows in disk_full's own steps.
    const full = recommendationsFor(verdict(['disk_full']), hostile).flatMap((r) => r.steps);
    expect(full.join('\n')).toContain("tail -F '/var/log/my logs/storage.log' | grep compaction");
    expect(steps.join('\n')).toContain(`mv '/data/it'\\''s $(touch /tmp/x) dir/kv' '/data/it'\\''s $(touch /tmp/x) dir/kv'.corrupted.$(date +%Y%m%d)`);
  });

  it('quotes so that a shell reads back exactly the path, running nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stemedb-recs-'));
    try {
      const marker = join(dir, 'MARKER');
      const dataDir = `${dir}/it's $(touch ${marker}) \`touch ${marker}\`; touch ${marker} dir`;
      const [first] = recommendationsFor(verdict(['disk_full']), nodeConfig({ dataDir }))[0]!.steps;
      const quoted = /^cd (.*) && gzip/.exec(first!)![1]!;
      expect(execFileSync('/bin/sh', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' })).toBe(`${dataDir}/wal`);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes an API URL that holds shell syntax', () => {
    const steps = recommendationsFor(verdict(['compaction_lag']), nodeConfig({ apiUrl: 'http://10.0.0.11:8080/db?x=1&y=$(id)' }))[0]!.steps;
    expect(steps[1]).toContain(`curl -X POST 'http://10.0.0.11:8080/db?x=1&y=$(id)/v1/admin/storage/compact'`);
  });

  it('covers every cause', () => {
    for (const cause of CAUSES) expect(() => recommendationsFor(verdict([cause]), plain)).not.toThrow();
  });
});
