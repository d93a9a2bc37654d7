import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseNode } from '../../src/diagnosis/diagnose-node';
import type { DiagnosisResult } from '../../src/diagnosis/types';
import { requireSshdOrSkip, startSshd, type RunningSshd } from '../harness/sshd';
import { hostileName, makeHostileHost, type HostileHost } from './hostile-host';
import { startSimRuntime, type SimRuntime } from './sim-runtime';

const withSsh = requireSshdOrSkip();

describe('config paths with quotes, spaces, $(...), backticks and ; reach the host commands as plain values', () => {
  let base: string;
  let host: HostileHost;
  let sshd: RunningSshd | undefined;
  let sim: SimRuntime;
  const results = new Map<string, DiagnosisResult>();

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'stemedb-hostile-'));
    host = makeHostileHost(base);
    if (withSsh) sshd = await startSshd();
    sim = await startSimRuntime([{ name: 'api', scenarios: ['healthy'] }], {
      edit(doc) {
        const apiUrl = doc.stemedb.nodes[0]!.apiUrl;
        const hostile = { apiUrl, dataDir: host.dataDir, logs: { file: host.logFile }, hostTools: host.hostTools };
        doc.stemedb.nodes.push({ name: 'hostile-local', ...hostile, local: true });
        doc.stemedb.nodes.push({
          name: 'missing-local',
          apiUrl,
          dataDir: join(base, hostileName(host.marker, 'missing')),
          logs: { file: join(base, hostileName(host.marker, 'nolog')) },
          local: true,
        });
        if (sshd) {
          const ssh = { host: sshd.host, port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, hostKeySha256: sshd.hostKeySha256 };
          doc.stemedb.nodes.push({ name: 'hostile-ssh', ...hostile, ssh });
        }
      },
    });
    const names = ['hostile-local', 'missing-local', ...(sshd ? ['hostile-ssh'] : [])];
    for (const r of await Promise.all(names.map((n) => diagnoseNode(sim.runtime.services, sim.node(n))))) results.set(r.node, r);
  });
  afterAll(async () => {
    await sim?.stop();
    await sshd?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const executors = ['local', ...(withSsh ? ['ssh'] : [])];

  it.each(executors)('over the %s executor: runs nothing injected and reads the real files', (executor) => {
    const r = results.get(`hostile-${executor}`)!;
    expect(existsSync(host.marker)).toBe(false);
    const data = (id: string) => r.checks.find((c) => c.id === id)!.data;
    expect(r.checks.map((c) => [c.id, c.error])).toEqual(r.checks.map((c) => [c.id, undefined]));
    expect(data('lsm')).toMatchObject({ sstFiles: host.expected.sstFiles, sstFilesSource: 'host', walSegments: host.expected.walSegments });
    expect(data('lsm').kvBytes).toBeGreaterThan(host.expected.sstFiles * 1024 - 1);
    expect(data('disk')).toMatchObject({
      path: host.dataDir,
      space: { available: true },
      dmesg: { available: true, ioErrors: host.expected.ioErrors },
      smart: { available: true, reallocatedSectors: host.expected.reallocated },
      uptimeSeconds: host.expected.uptimeSeconds,
    });
    expect(data('logs')).toMatchObject({ patterns: { 'Deadlock detected': host.expected.deadlocks, 'No space left on device': host.expected.noSpace } });
    expect(r.verdict.escalateReasons.join('\n')).toContain('persist after a reboot 10 min ago');
  });

  it('reports paths that do not exist as not available, still running nothing', () => {
    const r = results.get('missing-local')!;
    expect(existsSync(host.marker)).toBe(false);
    expect(r.checks.find((c) => c.id === 'logs')).toMatchObject({
      status: 'unknown',
      error: expect.stringContaining('reading the log failed (exit 0): tail: cannot open'),
    });
    const disk = r.checks.find((c) => c.id === 'disk')!;
    expect(disk.data.space).toMatchObject({ available: false, reason: expect.stringContaining('df failed') });
    expect(r.checks.find((c) => c.id === 'lsm')!.data).toMatchObject({ sstFilesSource: 'api', walSegments: null });
    expect(r.errorRate).not.toBeNull();
  });
});
