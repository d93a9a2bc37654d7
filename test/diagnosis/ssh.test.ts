import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseNode } from '../../src/diagnosis/diagnose-node';
import type { DiagnosisResult } from '../../src/diagnosis/types';
import { requireSshdOrSkip, startSshd, type RunningSshd } from '../harness/sshd';
import { startSimRuntime, type SimRuntime } from './sim-runtime';

const WRONG_PIN = `SHA256:${'A'.repeat(43)}`;

/** A port nothing listens on (bound, read, released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe.skipIf(!requireSshdOrSkip())('diagnoseNode over SSH to a real sshd', () => {
  let sshd: RunningSshd;
  let sim: SimRuntime;
  let refusedPort: number;
  const results = new Map<string, DiagnosisResult>();
  const check = (node: string, id: string) => results.get(node)!.checks.find((c) => c.id === id)!;

  beforeAll(async () => {
    sshd = await startSshd();
    refusedPort = await closedPort();
    const nodes = [
      { name: 'over-ssh', scenarios: ['disk_hardware' as const], rebootedSecondsAgo: 600 },
      { name: 'ssh-refused', scenarios: ['compaction_lag' as const] },
      { name: 'key-changed', scenarios: ['lock_contention' as const] },
    ];
    sim = await startSimRuntime(nodes, {
      edit(doc) {
        const ssh = { host: sshd.host, port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, hostKeySha256: sshd.hostKeySha256 };
        for (const n of doc.stemedb.nodes) {
          delete n.local;
          n.ssh = { ...ssh, ...(n.name === 'ssh-refused' ? { port: refusedPort } : {}), ...(n.name === 'key-changed' ? { hostKeySha256: WRONG_PIN } : {}) };
        }
      },
    });
    for (const r of await Promise.all(nodes.map((n) => diagnoseNode(sim.runtime.services, sim.node(n.name))))) results.set(r.node, r);
  });
  afterAll(async () => {
    await sim?.stop();
    await sshd?.stop();
  });

  it('runs the whole diagnosis over one SSH connection', () => {
    const r = results.get('over-ssh')!;
    expect(r.checks.map((c) => [c.id, c.error])).toEqual(r.checks.map((c) => [c.id, undefined]));
    expect(r.verdict.causes[0]!.cause).toBe('disk_hardware');
    expect(r.verdict.escalateReasons).toEqual(['disk I/O errors persist after a reboot 10 min ago (hardware failure)']);
    expect(check('over-ssh', 'disk').data).toMatchObject({
      dmesg: { available: true, ioErrors: 27 },
      smart: { available: true, reallocatedSectors: 312 },
      space: { available: true },
    });
    expect(check('over-ssh', 'lsm').data).toMatchObject({ sstFiles: 42, sstFilesSource: 'host', walSegments: 25 });
    expect(check('over-ssh', 'logs').data).toMatchObject({ patterns: { 'Input/output error': expect.any(Number) } });
    const logins = sshd
      .log()
      .split('\n')
      .filter((l) => l.includes('Accepted publickey'));
    expect(logins).toHaveLength(1);
  });

  it('SSH refused: host checks unknown with the reason, metrics still reported', () => {
    const reason = `could not reach SSH at 127.0.0.1:${refusedPort} (ECONNREFUSED)`;
    expect(check('ssh-refused', 'logs')).toMatchObject({ status: 'unknown', error: expect.stringContaining(reason) });
    expect(check('ssh-refused', 'disk')).toMatchObject({ status: 'unknown', error: expect.stringContaining(reason) });
    expect(check('ssh-refused', 'disk').summary).toContain(reason);
    expect(check('ssh-refused', 'error_metrics').status).toBe('critical');
    expect(results.get('ssh-refused')!.errorRate).toBeGreaterThan(0.01);
    expect(check('ssh-refused', 'lsm').data).toMatchObject({ sstFiles: 650, sstFilesSource: 'api' });
    expect(results.get('ssh-refused')!.verdict.causes[0]!.cause).toBe('compaction_lag');
  });

  it('host key changed: host checks unknown, saying how to update the pin; metrics still reported', () => {
    const logs = check('key-changed', 'logs');
    expect(logs.status).toBe('unknown');
    expect(logs.error).toContain(`key-changed's host key changed (saw ${sshd.hostKeySha256}, pinned ${WRONG_PIN})`);
    expect(logs.error).toContain('update `hostKeySha256`');
    expect(check('key-changed', 'disk').status).toBe('unknown');
    expect(check('key-changed', 'error_metrics').status).toBe('critical');
    expect(check('key-changed', 'locks').data).toMatchObject({ lockWaitP99Seconds: expect.any(Number), slowQueries: expect.any(Number), lockTimeouts: null });
    expect(results.get('key-changed')!.verdict.causes[0]!.cause).toBe('lock_contention');
  });
});
