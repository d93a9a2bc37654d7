import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type TestBot } from '../harness/start-bot';
import { clickEphemeral, FAST_COMPACTION, OPERATOR, requestConfirmation, waitForMessage } from './compaction-helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A watcher whose watch another process took over (it stalled past its lease: SIGSTOP, a long GC) changes
 * nothing and posts nothing more when it wakes: its next progress read finds the watch gone and stops.
 */
describe('a compaction watcher fenced out by a takeover', () => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 10 }],
      config: { access: { operators: { users: [OPERATOR] } }, compaction: FAST_COMPACTION },
    });
  });
  afterAll(async () => {
    await bot?.stop();
  });

  it('stops watching without another update, summary or re-check, and leaves the run to the new watcher', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-1');
    await clickEphemeral(bot, 'compaction_confirm', value);
    const progress = await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compacting stemedb-1') && m.text.includes('▓')), 10_000);
    const locks = bot.runtime.services.store.compactionLocks;
    const [lock] = await locks.all();
    // Another replica, on a clock past this process's watch lease (SQLite compares with the `now` passed).
    const later = new Date(Date.now() + 10 * 60_000);
    expect(await locks.claimWatch('stemedb-1', lock!.token, { owner: 'replica-b:1:bbbb', ttlMs: 60 * 60_000 }, later)).toBe(true);
    const updates = () => bot.fake.calls('chat.update').filter((c) => c.ok && c.body.ts === progress.ts);
    await sleep(500); // a read in flight when the watch was taken may still post once
    const settled = updates().length;
    await sleep(1_500);
    expect(updates()).toHaveLength(settled);
    expect((await locks.current('stemedb-1', new Date()))?.token).toBe(lock!.token);
    expect(await locks.update('stemedb-1', lock!.token, {}, 'replica-b:1:bbbb')).toBe(true);
    expect((await bot.runtime.services.store.audit.recent(5)).find((e) => e.node === 'stemedb-1' && e.action === 'compact')?.outcome).toBe('started');
    expect(bot.fake.messages('C0ALERTS').filter((m) => m.thread_ts === progress.ts && m.text?.includes('Re-check'))).toEqual([]);
  });
});
