import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { clusterNodesConfig, startCluster, type SimCluster, type SimNodeOptions } from '../../sim';
import type { DiskData } from '../../src/diagnosis/checks/disk';
import type { DiagnosisResult } from '../../src/diagnosis/types';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';

/**
 * Issue 9 ("verdicts an SRE can trust at 3 a.m."), each case through the real CLI (`diagnose <node> --json`)
 * against the simulator: partial data, recency, an API that does not answer, the runbook's escalation criteria,
 * actions that fit the cause, inode exhaustion.
 */
const BIN = resolve(import.meta.dirname, '../../bin/stemedb-chatops.mjs');

const NODES: SimNodeOptions[] = [
  { name: 'unreachable', scenarios: ['healthy'] },
  { name: 'recovered', scenarios: ['disk_full'], recoveredSecondsAgo: 420 },
  { name: 'just-compacted', scenarios: ['disk_full'], recoveredSecondsAgo: 30 },
  { name: 'hung', scenarios: ['healthy'], hangMs: 120_000 },
  { name: 'api-down', scenarios: ['healthy'] },
  { name: 'put-16', scenarios: ['disk_full'], errorsByOperation: { put: 0.16, delete: 0.05 } },
  { name: 'corrupt', scenarios: ['lsm_corruption'] },
  { name: 'rebuild-failed', scenarios: ['lsm_corruption'], walRebuild: { outcome: 'failed' } },
  { name: 'rebuild-done', scenarios: ['lsm_corruption'], walRebuild: { outcome: 'completed', secondsAgo: 240 } },
  { name: 'inodes', scenarios: ['disk_full'], fullBy: 'inodes' },
  { name: 'disk-hw', scenarios: ['disk_hardware', 'compaction_lag'] },
];

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn' }, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A port nothing listens on (bound, read, released). */
function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe.concurrent('diagnose --json: verdicts an SRE can trust', () => {
  let dir: string;
  let cluster: SimCluster;
  let config: string;
  const results = new Map<string, Promise<DiagnosisResult>>();
  const diagnose = (node: string) => {
    let r = results.get(node);
    if (!r) {
      r = cli(['diagnose', node, '--json', '--config', config]).then(({ code, stdout, stderr }) => {
        expect(code, stderr).toBe(0);
        return JSON.parse(stdout) as DiagnosisResult;
      });
      results.set(node, r);
    }
    return r;
  };
  const steps = (r: DiagnosisResult) => r.recommendations.flatMap((rec) => rec.steps).join('\n');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stemedb-trust-'));
    cluster = await startCluster({ baseDir: join(dir, 'sim'), nodes: NODES.map((n) => ({ opsPerSecond: 2000, ...n })) });
    const key = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const port = await closedPort();
    const apiPort = await closedPort();
    const nodes = clusterNodesConfig(cluster).map((n) => {
      if (n.name === 'unreachable')
        return {
          ...n,
          local: undefined,
          ssh: { host: '127.0.0.1', port, username: 'stemedb', privateKeyPath: key, hostKeySha256: `SHA256:${'A'.repeat(43)}` },
        };
      // The process is down: nothing listens on its API port, while the host still answers.
      if (n.name === 'api-down') return { ...n, apiUrl: `http://127.0.0.1:${apiPort}` };
      return n;
    });
    config = join(dir, 'config.yml');
    const sqlitePath = join(dir, 'bot.sqlite');
    writeFileSync(config, stringify({ stemedb: { nodes }, diagnosis: { sampleSeconds: 1 }, store: { sqlitePath } }));
    openDatabase(sqlitePath, MIGRATIONS).close();
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('1. never calls a node healthy when its host could not be read: unknown, at least warning, saying why', async () => {
    const r = await diagnose('unreachable');
    expect(r.errorRate).toBeLessThan(0.01);
    expect(r.verdict.causes.map((c) => c.cause)).toEqual(['unknown']);
    expect(r.verdict.severity).toBe('warning');
    expect(r.verdict.summary).toMatch(
      /^Not verified: logs and disk could not be checked \(unreachable: could not reach SSH at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(r.verdict.notChecked!.map((n) => n.check)).toEqual(['logs', 'disk']);
    expect(steps(r)).not.toContain('debug');
  });

  it('2. reports a cause whose evidence stopped as recovering, not critical, and no longer says to free space', async () => {
    const r = await diagnose('recovered');
    expect(r.errorRate).toBeLessThan(0.01);
    expect(r.verdict.causes).toHaveLength(1);
    expect(r.verdict.causes[0]).toMatchObject({ cause: 'disk_full', recovering: true });
    expect(r.verdict.severity).toBe('warning');
    expect(r.verdict.summary).toMatch(/^Recovering from disk space exhausted: errors stopped at \d\d:\d\d:\d\d UTC \([78] min ago\); error rate 0\.\d\d% now$/);
    expect(r.verdict.escalate).toBe(false);
    expect(r.recommendations.map((rec) => rec.action)).toEqual([undefined]);
    expect(steps(r)).not.toMatch(/gzip|mv .*backup|storage\/compact/);
    const disk = r.checks.find((c) => c.id === 'disk')!.data as DiskData;
    expect(disk.space).toMatchObject({ available: true, freeFraction: expect.closeTo(0.46, 2) });
  });

  it('2. keeps a cause whose lines stopped seconds ago active, saying when it would count as recovering', async () => {
    const r = await diagnose('just-compacted');
    expect(r.verdict.causes[0]!.cause).toBe('disk_full');
    expect(r.verdict.causes[0]!.recovering).toBeUndefined();
    expect(r.verdict.causes[0]!.evidence.join('\n')).toMatch(/recovering if no new lines for 5 min/);
    // Errors under 1% and the disk has room: a warning, and no second round of freeing space or compacting.
    expect(r.verdict.severity).toBe('warning');
    expect(steps(r)).not.toMatch(/gzip|storage\/compact/);
    expect(r.recommendations[0]!.title).toBe('Disk space exhausted earlier, room again now: confirm no new "No space" lines');
  });

  it('2. and the text view says so', async () => {
    const { stdout } = await cli(['diagnose', 'recovered', '--config', config]);
    expect(stdout).toMatch(/^recovered: disk space exhausted \(recovering\) \(warning\)/);
    expect(stdout).toContain('Evidence for disk space exhausted (recovering):');
  });

  it('3. makes an API that does not answer the headline, not "errors without an identified cause"', async () => {
    const r = await diagnose('hung');
    expect(r.verdict.causes[0]!.cause).toBe('api_unresponsive');
    expect(r.verdict.summary).toBe('StemeDB API on hung not answering GET /metrics within 5s');
    expect(r.verdict.severity).toBe('critical');
    expect(r.recommendations[0]!.title).toContain('StemeDB API not answering');
    expect(steps(r)).not.toContain('debug');
  });

  it('3. says so too when the API refuses connections (process down), with what the host still shows', async () => {
    const r = await diagnose('api-down');
    expect(r.verdict.causes.map((c) => c.cause)).toEqual(['api_unresponsive']);
    expect(r.verdict.summary).toMatch(
      /^StemeDB API on api-down not answering GET \/metrics: cannot reach api-down at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(r.checks.find((c) => c.id === 'logs')!.status).toBe('ok');
  });

  it('4. escalates when one operation fails over 10% while the overall rate is under, naming it', async () => {
    const r = await diagnose('put-16');
    expect(r.errorRate).toBeLessThan(0.1);
    expect(r.verdict.escalate).toBe(true);
    expect(r.verdict.escalateReasons).toEqual([
      expect.stringMatching(/^put 1[5-7]\.\d\d% error rate exceeds 10% \(overall [6-8]\.\d\d%\): critical data loss risk$/),
    ]);
  });

  it('4. does not page the chain for corruption alone: recommends the WAL rebuild and offers Escalate', async () => {
    const r = await diagnose('corrupt');
    expect(r.verdict.causes[0]!.cause).toBe('lsm_corruption');
    expect(r.verdict).toMatchObject({ escalate: false, escalateReasons: [] });
    expect(r.recommendations.map((rec) => [rec.title, rec.action])).toEqual([['LSM tree corruption: rebuild from WAL', 'escalate']]);
  });

  it('4. escalates corruption after a failed WAL rebuild, and corruption logged after a completed one', async () => {
    const failed = await diagnose('rebuild-failed');
    expect(failed.verdict.escalateReasons).toEqual([
      expect.stringMatching(/^LSM corruption cannot be repaired from WAL: the rebuild failed at \d\d:\d\d:\d\d UTC/),
    ]);
    const done = await diagnose('rebuild-done');
    expect(done.verdict.escalateReasons).toEqual([expect.stringMatching(/^LSM corruption persists after the WAL rebuild completed at \d\d:\d\d:\d\d UTC/)]);
  });

  it('5. offers no compaction beside a failing disk, and fscks the device and mount point df reported, one command a line', async () => {
    const r = await diagnose('disk-hw');
    expect(r.verdict.causes.map((c) => c.cause)).toEqual(['disk_hardware', 'compaction_lag']);
    expect(r.recommendations.some((rec) => rec.action === 'compact')).toBe(false);
    expect(steps(r)).not.toContain('storage/compact');
    const dataDir = cluster.node('disk-hw').dataDir;
    expect(steps(r)).toContain(`umount ${dataDir}\nfsck -y /dev/sda1\nmount ${dataDir}`);
    expect(steps(r)).not.toContain('&& fsck');
  });

  it('6. reads "No space left on device" with free bytes as inode exhaustion (df -i)', async () => {
    const r = await diagnose('inodes');
    expect(r.verdict.causes[0]!.cause).toBe('disk_full');
    expect(r.verdict.causes[0]!.evidence.join('\n')).toMatch(
      /inodes exhausted: 0 of 30,531,584 free on the data dir's filesystem \(df -i\), with 46\.0% of the bytes still free/,
    );
    const disk = r.checks.find((c) => c.id === 'disk')!;
    expect(disk.status).toBe('critical');
    expect(disk.data).toMatchObject({ inodes: { available: true, freeInodes: 0 }, space: { available: true } });
  });
});
