import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, type SimNodeOptions } from '../../sim';
import { diagnoseNode } from '../../src/diagnosis/diagnose-node';
import { CAUSES, CHECK_IDS, type DiagnosisResult } from '../../src/diagnosis/types';
import { DIAGNOSIS_ACTIONS, diagnosisProgressView, diagnosisView } from '../../src/render/diagnosis-blocks';
import { diagnosisText } from '../../src/render/diagnosis-text';
import { startSimRuntime, type SimRuntime } from '../diagnosis/sim-runtime';
import { blockKitProblems } from './block-kit-limits';

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: Array<{ action_id?: string; value?: string; style?: string }> };
const blocks = (view: { blocks?: unknown[] }) => (view.blocks ?? []) as Block[];
const buttonsOf = (view: { blocks?: unknown[] }) => blocks(view).find((b) => b.type === 'actions')?.elements ?? [];

/** A result as bad as a diagnosis can get: every cause, every check failing with long reasons, a long node name. */
function worstCase(): DiagnosisResult {
  const long = (what: string, n: number) => `${what} ${'x'.repeat(n)} <!channel> & <device>`;
  const node = `n${'x'.repeat(62)}`;
  return {
    node,
    startedAt: '2026-11-23T12:00:00.000Z',
    durationMs: 20_000,
    errorRate: 0.42,
    verdict: {
      causes: CAUSES.filter((c) => c !== 'healthy').map((cause) => ({ cause, evidence: Array.from({ length: 8 }, (_, i) => long(`evidence ${i}`, 400)) })),
      severity: 'critical',
      summary: long('Likely cause: everything', 3000),
      escalate: true,
      escalateReasons: Array.from({ length: 4 }, (_, i) => long(`reason ${i}`, 800)),
    },
    checks: CHECK_IDS.map((id) => ({
      id,
      status: 'unknown',
      summary: long(`not available: ${id}`, 2500),
      durationMs: 20_000,
      data: {},
      error: long('e', 2000),
    })),
    recommendations: Array.from({ length: 9 }, (_, i) => ({
      title: long(`rec ${i}`, 200),
      steps: Array.from({ length: 6 }, (_, j) => long(`step ${j} \`quoted\``, 500)),
      action: 'escalate' as const,
    })),
  };
}

describe('diagnosisView and diagnosisProgressView', () => {
  let sim: SimRuntime;
  const results: DiagnosisResult[] = [];
  const nodes: SimNodeOptions[] = [
    ...SCENARIOS.map((s) => ({ name: s.replace('_', '-'), scenarios: [s] })),
    { name: 'everything', scenarios: [...SCENARIOS], deadlocks: true, rebootedSecondsAgo: 300, errorFraction: 0.2 },
  ];

  beforeAll(async () => {
    sim = await startSimRuntime(nodes);
    results.push(...(await Promise.all(nodes.map((n) => diagnoseNode(sim.runtime.services, sim.node(n.name))))));
  });
  afterAll(async () => sim?.stop());

  it('keeps every scenario within Block Kit limits, final and at each step of progress', () => {
    expect(results).toHaveLength(nodes.length);
    for (const result of results) {
      expect(blockKitProblems(diagnosisView(result, { node: result.node, incidentId: 'inc_0123456789' }).blocks), result.node).toEqual([]);
      for (let done = 0; done <= result.checks.length; done++) {
        expect(blockKitProblems(diagnosisProgressView(result.node, result.checks.slice(0, done)).blocks)).toEqual([]);
      }
    }
  });

  it('shows the verdict, all five steps, the evidence, the runbook steps and the buttons', () => {
    const result = results.find((r) => r.node === 'disk-full')!;
    const view = diagnosisView(result);
    const all = blocks(view);
    expect(all[0]!.text!.text).toBe(':rotating_light: disk-full: disk space exhausted (critical)');
    const steps = all.find((b) => b.type === 'section' && b.text!.text.includes('1. Error metrics'))!.text!.text;
    for (const title of ['1. Error metrics', '2. Error patterns in logs', '3. Disk health', '4. LSM tree health', '5. Lock contention'])
      expect(steps).toContain(title);
    expect(JSON.stringify(all)).toContain('Evidence for disk space exhausted');
    expect(JSON.stringify(all)).toContain('What to do: Disk space exhausted');
    expect(buttonsOf(view).map((b) => [b.action_id, b.style])).toEqual([
      [DIAGNOSIS_ACTIONS.compact, 'primary'],
      [DIAGNOSIS_ACTIONS.escalate, undefined],
      [DIAGNOSIS_ACTIONS.slowQueries, undefined],
      [DIAGNOSIS_ACTIONS.rerun, undefined],
    ]);
    expect(view.text).toBe(diagnosisText(result));
  });

  it('puts the node and incident in the button value, and marks Escalate when the runbook says so', () => {
    // The corrupted node no longer escalates by itself (issue 9 item 4): "everything" (errors at 20%) does.
    const result = results.find((r) => r.node === 'everything')!;
    const buttons = buttonsOf(diagnosisView(result, { node: result.node, incidentId: 'inc_42' }));
    expect(buttons.map((b) => JSON.parse(b.value!))).toEqual(buttons.map(() => ({ node: 'everything', incidentId: 'inc_42' })));
    expect(buttons.find((b) => b.action_id === DIAGNOSIS_ACTIONS.escalate)!.style).toBe('danger');
    expect(JSON.stringify(blocks(diagnosisView(result)))).toContain('Escalate immediately');
  });

  it('says healthy for a healthy node, with nothing to do', () => {
    const view = diagnosisView(results.find((r) => r.node === 'healthy')!);
    expect(blocks(view)[0]!.text!.text).toBe(':white_check_mark: healthy: healthy (ok)');
    expect(JSON.stringify(view.blocks)).not.toContain('What to do');
  });

  it('fills the progress view in as checks complete', () => {
    const result = results[0]!;
    const view = diagnosisProgressView(result.node, result.checks.slice(0, 2));
    expect(view.progress).toBe(true);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('partial: 2 of 5 steps done');
    expect(text).toContain(result.checks[0]!.summary.slice(0, 30));
    expect(text.match(/running…/g)).toHaveLength(3);
    expect(view.text).toContain('(partial: 2/5 steps)');
  });

  it('stays within limits for the worst result, keeping the header, the buttons and the context', () => {
    const result = worstCase();
    const view = diagnosisView(result, { node: result.node, incidentId: 'inc_0123456789' });
    expect(blockKitProblems(view.blocks)).toEqual([]);
    const all = blocks(view);
    expect(all[0]!.type).toBe('header');
    expect(all.at(-2)!.type).toBe('actions');
    expect(all.at(-1)!.type).toBe('context');
    // Every cause includes corruption and a failing disk, so there is no Compact button (issue 9 item 5).
    expect(buttonsOf(view).map((b) => b.action_id)).toEqual([DIAGNOSIS_ACTIONS.escalate, DIAGNOSIS_ACTIONS.slowQueries, DIAGNOSIS_ACTIONS.rerun]);
    expect(view.text.length).toBeLessThanOrEqual(3500);
    expect(blockKitProblems(diagnosisProgressView(result.node, result.checks).blocks)).toEqual([]);
  });

  it("escapes Slack's control characters in text that comes from the host, so nothing turns into a mention or a link", () => {
    const view = diagnosisView(worstCase());
    const text = JSON.stringify(view.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<device>');
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;device&gt;');
    const recs = diagnosisView(results.find((r) => r.node === 'disk-hardware')!);
    // The fsck step names the device df reported (issue 9 item 5), no `<device>` placeholder left to escape.
    expect(JSON.stringify(recs.blocks)).toContain('fsck -y /dev/sda1');
  });
});
