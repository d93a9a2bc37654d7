import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type SimCluster } from '../../sim';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { clickEphemeral, FAST_COMPACTION, OPERATOR, requestConfirmation, waitForMessage } from './compaction-helpers';

describe('a compaction outlives the bot', () => {
  let dir: string;
  let fake: FakeSlack;
  let sim: SimCluster;
  const bots: TestBot[] = [];
  const boot = async (compaction: Record<string, unknown> = FAST_COMPACTION) => {
    const bot = await startBot({ dir, fake, sim, config: { access: { operators: { users: [OPERATOR] } }, compaction } });
    bots.push(bot);
    return bot;
  };
  const stopAll = async () => {
    for (const bot of bots.splice(0)) await bot.stop();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'compaction-restart-'));
    fake = await startFakeSlack();
    sim = await startCluster({
      baseDir: join(dir, 'sim'),
      nodes: [
        { name: 'stemedb-1', scenarios: ['disk_full'], compactionSeconds: 4 },
        { name: 'stemedb-2', scenarios: ['compaction_lag'], compactionSeconds: 8 },
        { name: 'stemedb-3', scenarios: ['compaction_lag'], compactionSeconds: 10 },
      ],
    });
  });
  afterAll(async () => {
    await stopAll();
    await sim?.stop();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a restarted bot resumes watching and finishes the same message', async () => {
    const first = await boot();
    const { value } = await requestConfirmation(first, 'stemedb-1');
    await clickEphemeral(first, 'compaction_confirm', value);
    const progress = await waitForMessage(first, (m) => Boolean(m.text?.includes('Compacting stemedb-1') && m.text.includes('▓')), 10_000);
    await stopAll();

    const second = await boot();
    const done = await waitForMessage(second, (m) => m.ts === progress.ts && Boolean(m.text?.includes('Compaction of stemedb-1 finished')));
    expect(done.text).toContain('resumed after a bot restart');
    expect(done.text).toMatch(/SST files: 85 → 30/);
    expect(sim.node('stemedb-1').compactRequests()).toBe(1);
    await waitForMessage(second, (m) => m.thread_ts === done.ts && Boolean(m.text?.includes('Re-check of stemedb-1')));
    expect(
      (await second.runtime.services.store.audit.recent(10)).find((e) => e.node === 'stemedb-1' && e.action === 'compact' && e.outcome === 'succeeded'),
    ).toBeDefined();
    await stopAll();
  });

  it('a bot that was down longer than the lock TTL says what it last saw, offers Escalate, and frees the node', async () => {
    const short = { ...FAST_COMPACTION, lockTtl: '1s' };
    const first = await boot(short);
    const { value } = await requestConfirmation(first, 'stemedb-2');
    await clickEphemeral(first, 'compaction_confirm', value);
    const progress = await waitForMessage(first, (m) => Boolean(m.text?.includes('Compacting stemedb-2') && m.text.includes('SST files')), 10_000);
    await stopAll();
    await new Promise((r) => setTimeout(r, 1_500));

    const second = await boot(short);
    const lost = await waitForMessage(second, (m) => m.ts === progress.ts && Boolean(m.text?.includes('Lost track of the compaction of stemedb-2')), 10_000);
    expect(lost.text).toContain('the lock expired');
    expect(lost.text).toMatch(/Last seen at \d\d:\d\d:\d\d UTC: SST files \d+ \(was 650\)/);
    expect(JSON.stringify(lost.blocks)).toContain('diagnosis_escalate');
    const entry = (await second.runtime.services.store.audit.recent(10)).find(
      (e) => e.node === 'stemedb-2' && e.action === 'compact' && e.outcome !== 'cancelled',
    );
    expect(entry?.outcome).toBe('interrupted');
    // No lock row is left, expired or not.
    expect(await second.runtime.services.store.compactionLocks.all()).toEqual([]);
    await stopAll();
  });

  it('a compaction that outlasts progressTimeout is reported with its last figures and Escalate', async () => {
    const bot = await boot({ ...FAST_COMPACTION, progressTimeout: '1500ms' });
    const { value } = await requestConfirmation(bot, 'stemedb-3');
    await clickEphemeral(bot, 'compaction_confirm', value);
    const timedOut = await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compaction of stemedb-3 did not finish within 1.5s')), 15_000);
    expect(timedOut.text).toMatch(/Last figures \(\d\d:\d\d:\d\d UTC\): SST files \d+ \(was 650\)/);
    expect(JSON.stringify(timedOut.blocks)).toContain('diagnosis_escalate');
    expect((await bot.runtime.services.store.audit.recent(5)).find((e) => e.node === 'stemedb-3' && e.action === 'compact')?.outcome).toBe('timed_out');
  });
});
