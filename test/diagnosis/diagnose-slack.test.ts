import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, type Scenario } from '../../sim';
import { causeLabel } from '../../src/diagnosis/verdict';
import type { RecordedCall } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';

const node = (s: Scenario) => `sim-${s.replace('_', '-')}`;
const cause = (s: Scenario) => causeLabel(s);
type Block = { type: string; text?: { text: string }; elements?: Array<Record<string, unknown>> };
const blocksOf = (call: RecordedCall) => (call.body.blocks ?? []) as Block[];
const isFinal = (call: RecordedCall) => blocksOf(call)[0]?.type === 'header';

describe('/stemedb diagnose through the real receiver and the fake Slack', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        ...SCENARIOS.map((s) => ({ name: node(s), scenarios: [s], opsPerSecond: 2000 })),
        { name: 'sim-recovered', scenarios: ['disk_full'], recoveredSecondsAgo: 420, opsPerSecond: 2000 },
      ],
    });
  });
  afterAll(async () => bot?.stop());

  /** Runs `/stemedb diagnose <args>` and returns the skeleton post and the final update of that message. */
  async function diagnose(args: string, expectedNode: string): Promise<{ post: RecordedCall; final: RecordedCall; updates: RecordedCall[] }> {
    const res = await bot.command(`diagnose ${args}`.trim());
    expect(res.status).toBe(200);
    const post = await bot.fake.waitForCall('chat.postMessage', (c) => String(c.body.text).startsWith(`Diagnosing ${expectedNode}...`), 10_000);
    const ts = String((post.response as { ts: string }).ts);
    const final = await bot.fake.waitForCall('chat.update', (c) => c.body.ts === ts && isFinal(c), 15_000);
    const updates = bot.fake.calls('chat.update').filter((c) => c.body.ts === ts);
    return { post, final, updates };
  }

  it('acks, posts a skeleton, then updates it until the verdict', async () => {
    const { post, final, updates } = await diagnose(node('disk_full'), node('disk_full'));
    expect(post.ok).toBe(true);
    expect(post.body.channel).toBe('C0ALERTS');
    expect(JSON.stringify(post.body.blocks)).toContain(`Diagnosing ${node('disk_full')}`);
    expect(JSON.stringify(post.body.blocks)).toContain('running…');
    expect(updates.at(-1)).toBe(final);
    expect(updates.slice(0, -1).every((u) => String(u.body.text).includes('(partial: '))).toBe(true);
    expect(final.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      bot.fake
        .calls('chat.update')
        .filter((c) => c.body.ts === final.body.ts)
        .at(-1),
    ).toBe(final);
    const header = blocksOf(final)[0]!.text!.text;
    expect(header).toBe(`:rotating_light: ${node('disk_full')}: disk space exhausted (critical)`);
    expect(String(final.body.text)).toContain('Likely cause: disk space exhausted');
    const buttons = blocksOf(final).find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => b.action_id)).toEqual(['diagnosis_compact', 'diagnosis_escalate', 'diagnosis_slow_queries', 'diagnosis_rerun']);
    expect(JSON.parse(String(buttons[0]!.value))).toMatchObject({ node: node('disk_full') });
  });

  it("posts every scenario's verdict within Slack's Block Kit limits (the fake refuses violations)", async () => {
    bot.fake.reset();
    const runs = await Promise.all(SCENARIOS.map((s) => diagnose(node(s), node(s))));
    runs.forEach(({ final }, i) => {
      const scenario = SCENARIOS[i]!;
      expect(final.ok, JSON.stringify(final.response)).toBe(true);
      expect(blocksOf(final)[0]!.text!.text).toContain(`${node(scenario)}: ${cause(scenario)} (`);
      expect(blocksOf(final).length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(final.body.blocks).length).toBeLessThan(12_000);
    });
    expect(bot.fake.calls().filter((c) => !c.ok)).toEqual([]);
  });

  it('answers `/stemedb diagnose` with no node and no open incident with an ephemeral usage', async () => {
    bot.fake.reset();
    await bot.command('diagnose', {}, 'usage');
    const [reply] = await bot.fake.waitFor(() => (bot.fake.responses('usage').length > 0 ? bot.fake.responses('usage') : undefined));
    expect(reply!.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String((reply!.body as { text: string }).text)).toContain('Usage: `/stemedb diagnose <node>`');
    expect(bot.fake.calls('chat.postMessage')).toHaveLength(0);
  });

  it("takes the node of the channel's open incident when none is given", async () => {
    bot.fake.reset();
    await bot.runtime.services.store.incidents.openOrGet(
      { node: node('lock_contention'), title: 'HighStorageErrorRate', source: 'alert', fingerprint: 'fp-diagnose-test', episode: 'e1', channel: 'C0ALERTS' },
      new Date(),
    );
    const { final } = await diagnose('', node('lock_contention'));
    expect(blocksOf(final)[0]!.text!.text).toContain(`${node('lock_contention')}: lock contention`);
  });

  it('refuses an unknown node with the configured list', async () => {
    bot.fake.reset();
    await bot.command('diagnose stemedb-404', {}, 'unknown');
    const [reply] = await bot.fake.waitFor(() => (bot.fake.responses('unknown').length > 0 ? bot.fake.responses('unknown') : undefined));
    expect(String((reply!.body as { text: string }).text)).toContain('Unknown node `stemedb-404`');
  });
  // Issue 9 item 5: no Compact button where the runbook does not compact (was: always offered).
  it.each(['lsm_corruption', 'disk_hardware'] as const)('offers no Compact button on a %s verdict, and no compaction step', async (scenario) => {
    const { final } = await diagnose(node(scenario), node(scenario));
    const buttons = blocksOf(final).find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => b.action_id)).toEqual(['diagnosis_escalate', 'diagnosis_slow_queries', 'diagnosis_rerun']);
    expect(JSON.stringify(final.body.blocks)).not.toContain('storage/compact');
  });
  // Issue 9 item 2: a cause whose evidence stopped shows as recovering, a warning, without the "free space" steps.
  it('shows a recovered node as recovering, not as a critical full disk', async () => {
    const { final } = await diagnose('sim-recovered', 'sim-recovered');
    expect(blocksOf(final)[0]!.text!.text).toBe(':warning: sim-recovered: disk space exhausted (recovering) (warning)');
    const text = JSON.stringify(final.body.blocks);
    expect(text).toMatch(/Recovering from disk space exhausted: errors stopped at \d\d:\d\d:\d\d UTC \([78] min ago\)/);
    expect(text).toContain('Evidence for disk space exhausted (recovering)');
    expect(text).not.toMatch(/gzip|free space, then compact/);
  });
});
