import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/app/runtime';
import { parseConfig } from '../../src/config/load-config';
import type { DiagnosisResult } from '../../src/diagnosis/types';
import { createLogger } from '../../src/ops/logger';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { dmsTo } from './escalation-helpers';

describe('automatic escalation on the runbook criteria', () => {
  let bot: TestBot;
  let fake: FakeSlack;

  beforeAll(async () => {
    fake = await startFakeSlack();
    bot = await startBot({
      fake,
      nodes: [
        // Healthy nodes whose puts fail: overall error rate ~15% and ~3% (puts are a third of the operations).
        // Puts at 9%, not 15%: since issue 9 one operation over 10% escalates by itself (failing writes).
        { name: 'stemedb-hi', scenarios: ['healthy'], errorFraction: 0.45 },
        { name: 'stemedb-lo', scenarios: ['healthy'], errorFraction: 0.09 },
      ],
      config: { escalation: { levels: [{ name: 'Primary on-call: Storage SRE', ackTimeout: '30s', slack: { users: ['USRE1'] } }], repeat: { times: 0 } } },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  const diagnosed = (node: string) =>
    fake.waitFor(async () => (await bot.runtime.services.store.diagnoses.latest(node))?.result as DiagnosisResult | undefined, 15_000);

  it('pages the chain for a diagnosis with an error rate above 10%', async () => {
    await bot.command('diagnose stemedb-hi');
    const result = await diagnosed('stemedb-hi');
    expect(result.errorRate).toBeGreaterThan(0.1);
    expect(result.verdict.escalateReasons).toContainEqual(expect.stringContaining('exceeds 10%'));
    const incident = (await bot.runtime.services.store.incidents.openForNode('stemedb-hi'))!;
    expect(incident.source).toBe('manual');
    const dm = await fake.waitFor(() => dmsTo(fake, 'USRE1', incident.id)[0]);
    expect(String(dm.body.text)).toContain('exceeds 10% (critical data loss risk)');
    expect(await bot.runtime.services.escalations!.escalations.latest(incident.id)).toMatchObject({ trigger: 'auto', startedBy: 'bot' });
    // The page does not wait for the header (the alert channel is paced): wait for the thread to exist.
    const threadTs = await fake.waitFor(async () => (await bot.runtime.services.store.incidents.get(incident.id))?.threadTs ?? undefined);
    const header = fake.messages('C0ALERTS').find((m) => m.ts === threadTs);
    expect(header?.text).toContain('started automatically (runbook: escalate immediately)');

    // A second diagnosis meeting the criteria joins the running chain: nobody is paged twice.
    await bot.command('diagnose stemedb-hi');
    await fake.waitFor(async () => ((await diagnosedAfter(bot, 'stemedb-hi', result.startedAt)) ? true : undefined), 15_000);
    expect(await bot.runtime.services.escalations!.escalations.ofIncident(incident.id)).toHaveLength(1);
    expect(dmsTo(fake, 'USRE1', incident.id)).toHaveLength(1);
  });

  it('does not page for a diagnosis at 3% (no operation over 10%)', async () => {
    await bot.command('diagnose stemedb-lo');
    const result = await diagnosed('stemedb-lo');
    expect(result.errorRate).toBeGreaterThan(0.015);
    expect(result.errorRate).toBeLessThan(0.05);
    expect(result.verdict.escalate).toBe(false);
    expect(await bot.runtime.services.store.incidents.openForNode('stemedb-lo')).toBeUndefined();
  });
});

async function diagnosedAfter(bot: TestBot, node: string, startedAt: string): Promise<boolean> {
  const latest = (await bot.runtime.services.store.diagnoses.latest(node))?.result as DiagnosisResult | undefined;
  return latest !== undefined && latest.startedAt !== startedAt;
}

describe('an unconfigured chain (no targets at any level)', () => {
  it('refuses manual escalation and stays quiet on the criteria', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stemedb-esc-'));
    const config = parseConfig(
      { stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] }, store: { sqlitePath: join(dir, 'bot.sqlite') } },
      'test',
    );
    const printed: string[] = [];
    const runtime = await createRuntime({
      config,
      log: createLogger('silent'),
      secret: () => undefined,
      messenger: {
        post: async (c, v) => (printed.push(v.text), { channel: c, ts: '1.1' }),
        update: async () => undefined,
        dm: async (u, v) => (printed.push(v.text), { channel: u, ts: '1.1' }),
        userGroupMembers: async () => [],
        uploadFile: async () => undefined,
      },
    });
    try {
      await runtime.start();
      const escalations = runtime.services.escalations!;
      expect(await escalations.escalate({ node: 'stemedb-1', by: 'U1', trigger: 'command', reasons: [] })).toEqual({ kind: 'not_configured' });
      const verdict = {
        causes: [{ cause: 'unknown' as const, evidence: [] }],
        severity: 'critical' as const,
        summary: 's',
        escalate: true,
        escalateReasons: ['error rate 20.00% exceeds 10% (critical data loss risk)'],
      };
      await runtime.services.diagnoses.publish(
        { node: 'stemedb-1', startedAt: new Date().toISOString(), durationMs: 1, errorRate: 0.2, verdict, checks: [], recommendations: [] },
        {},
      );
      expect(await runtime.services.store.incidents.listOpen()).toEqual([]);
      expect(printed).toEqual([]);
    } finally {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
