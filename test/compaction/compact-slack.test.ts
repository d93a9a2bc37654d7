import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type TestBot } from '../harness/start-bot';
import {
  ask,
  buttonValue,
  clickEphemeral,
  clickMessage,
  FAST_COMPACTION,
  OPERATOR,
  requestConfirmation,
  responseBody,
  simStats,
  waitForMessage,
} from './compaction-helpers';

describe('/stemedb compact over signed Slack requests', () => {
  let bot: TestBot;
  const audit = () => bot.runtime.services.store.audit.recent(100);
  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 2 },
        { name: 'stemedb-2', scenarios: ['healthy'], compactFailStatus: 500 },
        { name: 'stemedb-3', scenarios: ['disk_full'], compactionSeconds: 2 },
        { name: 'stemedb-4', scenarios: ['lock_contention'], compactionSeconds: 3 },
      ],
      config: { access: { operators: { users: [OPERATOR], userGroups: ['S0SRE'] } }, compaction: FAST_COMPACTION },
    });
    bot.fake.setUserGroup('S0SRE', ['U0SRE']);
  });
  afterAll(async () => bot?.stop());

  it('refuses a non-operator with an ephemeral that names the operators, audits it, and sends nothing', async () => {
    const reply = await ask(bot, 'compact stemedb-1', 'U0MALLORY');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('Only operators (<@U0OPS> or members of <!subteam^S0SRE>) may compact stemedb-1');
    expect(bot.sim.node('stemedb-1').compactRequests()).toBe(0);
    expect((await audit())[0]).toMatchObject({ actor: 'U0MALLORY', action: 'compact', node: 'stemedb-1', outcome: 'refused' });
  });

  it('rejects bad input with usage, before anything else', async () => {
    expect((await ask(bot, 'compact stemedb-1 --force=maybe')).text).toContain('--force takes no value');
    expect((await ask(bot, 'compact stemedb-1 extra')).text).toContain('too many arguments');
    expect((await ask(bot, 'compact stemedb-9')).text).toContain('Unknown node `stemedb-9`');
    expect((await ask(bot, 'compact')).text).toContain('missing argument');
    expect((await ask(bot, 'compact stemedb-1 --yes')).text).toContain('`--yes` is for the local shell');
    expect(bot.sim.node('stemedb-1').compactRequests()).toBe(0);
  });

  it('dry run shows the figures and what would happen, and changes nothing', async () => {
    const reply = await ask(bot, 'compact stemedb-3 --dry-run --force');
    expect(reply.text).toContain('Dry run: compact stemedb-3');
    expect(reply.text).toContain('{"force": true}');
    expect(reply.text).toContain('nothing was changed');
    expect(bot.sim.node('stemedb-3').compactRequests()).toBe(0);
    expect((await audit())[0]).toMatchObject({ outcome: 'dry_run', node: 'stemedb-3' });
  });

  it('confirms, compacts with live progress, summarises with the simulator figures and re-checks the alert', async () => {
    const before = await simStats(bot, 'stemedb-1');
    const { body, value } = await requestConfirmation(bot, 'stemedb-1');
    expect(body.text).toContain(`SST files: *${before.sst_file_count}*`);
    expect(body.text).toMatch(/Disk free: \*\d+\.\d% \(/);
    expect(body.text).toMatch(/Pending compaction: \*1[12]\.\d GB\*/);
    expect(body.text).toContain('Force: *no*');

    const confirmId = await clickEphemeral(bot, 'compaction_confirm', value);
    const replaced = await responseBody(bot, confirmId);
    expect(replaced.replace_original).toBe(true);
    expect(replaced.text).toContain('Compaction of stemedb-1 confirmed');

    const done = await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compaction of stemedb-1 finished')));
    const after = await simStats(bot, 'stemedb-1');
    expect(after.sst_file_count).toBe(30);
    expect(done.text).toContain(`SST files: ${before.sst_file_count} → ${after.sst_file_count}`);
    expect(done.text).toMatch(/Pending compaction: 1[12]\.\d GB → 0 B/);
    expect(done.text).toContain('run by <@U0OPS>');
    const updates = bot.fake.calls('chat.update').filter((c) => c.body.ts === done.ts);
    expect(updates.some((c) => String(c.body.text).includes('▓'))).toBe(true);

    const recheck = await waitForMessage(bot, (m) => m.thread_ts === done.ts && Boolean(m.text?.includes('Re-check of stemedb-1')));
    // No alert is open for stemedb-1 (issue 10): the re-check names the 1% line, it does not claim an alert cleared.
    expect(recheck.text).toContain("Storage errors are below 1% of operations* (the runbook's alert line; no alert is open for this node)");
    expect(recheck.text).not.toContain("alert's condition");
    expect(bot.sim.node('stemedb-1').compactRequests()).toBe(1);
    expect((await audit()).find((e) => e.node === 'stemedb-1' && e.outcome === 'succeeded')).toMatchObject({ actor: OPERATOR, detail: { force: false } });
  });

  it('a double click on Confirm starts exactly one compaction', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-3');
    const [a, b] = await Promise.all([clickEphemeral(bot, 'compaction_confirm', value), clickEphemeral(bot, 'compaction_confirm', value)]);
    const answers = await Promise.all([a, b].map((id) => responseBody(bot, id)));
    expect(answers.filter((r) => r.text?.includes('already used'))).toHaveLength(1);
    await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compaction of stemedb-3 finished')));
    expect(bot.sim.node('stemedb-3').compactRequests()).toBe(1);
  });

  it('the slash command and the Compact button confirmed at once give one compaction; the loser is told who is compacting', async () => {
    const fromCommand = await requestConfirmation(bot, 'stemedb-1');
    const buttonId = await clickMessage(bot, 'diagnosis_compact', JSON.stringify({ node: 'stemedb-1' }), 'U0SRE');
    const fromButton = await responseBody(bot, buttonId);
    expect(fromButton.text).toContain('Force: *yes*');
    const [a, b] = await Promise.all([
      clickEphemeral(bot, 'compaction_confirm', fromCommand.value),
      clickEphemeral(bot, 'compaction_confirm', buttonValue(fromButton, 'compaction_confirm'), 'U0SRE'),
    ]);
    const answers = await Promise.all([a, b].map((id) => responseBody(bot, id)));
    expect(answers.filter((r) => /Not started: <@U0(OPS|SRE)> has been compacting stemedb-1 since \d\d:\d\d:\d\d UTC/.test(r.text ?? ''))).toHaveLength(1);
    await bot.fake.waitFor(
      () => bot.fake.messages('C0ALERTS').filter((m) => m.text?.includes('Compaction of stemedb-1 finished')).length === 2 || undefined,
      20_000,
    );
    expect(bot.sim.node('stemedb-1').compactRequests()).toBe(2);
  });

  it("a run that found 0 bytes pending says so and does not spend one of the breaker's runs", async () => {
    // The second stemedb-1 run above started right after the first had compacted everything (issue 10).
    const summaries = bot.fake.messages('C0ALERTS').filter((m) => m.text?.includes('Compaction of stemedb-1 finished'));
    expect(summaries[1]!.text).toContain('0 bytes were pending compaction when it started: this run does not count toward `compaction.maxPerNodePerHour`.');
    expect(summaries[0]!.text).not.toContain('0 bytes were pending');
    const reply = await ask(bot, 'compact stemedb-1');
    expect(reply.text).not.toContain('Cannot compact stemedb-1 now');
    expect(reply.text).toContain('Compact stemedb-1?');
    expect(bot.sim.node('stemedb-1').compactRequests()).toBe(2);
  });

  it('while one runs, a second request (a user group member) is told who is compacting and since when; a lasting fault is not "cleared"', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-4');
    await clickEphemeral(bot, 'compaction_confirm', value);
    await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compacting stemedb-4')), 10_000);
    const busy = await ask(bot, 'compact stemedb-4', 'U0SRE');
    expect(busy.text).toMatch(/<@U0OPS> has been compacting stemedb-4 since \d\d:\d\d:\d\d UTC \(\d/);
    const done = await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compaction of stemedb-4 finished')));
    const recheck = await waitForMessage(bot, (m) => m.thread_ts === done.ts && Boolean(m.text?.includes('Re-check of stemedb-4')));
    expect(recheck.text).toMatch(/Storage errors are still above 1% of operations|got worse/);
    expect(buttonValue(recheck, 'diagnosis_escalate')).toBe(JSON.stringify({ node: 'stemedb-4' }));
    expect(bot.sim.node('stemedb-4').compactRequests()).toBe(1);
  });

  it('StemeDB answering 500 gives a clear error with Escalate, `failed` in the audit log, and frees the node', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-2');
    await clickEphemeral(bot, 'compaction_confirm', value);
    const failed = await waitForMessage(bot, (m) => Boolean(m.text?.includes('Compaction of stemedb-2 failed')));
    expect(failed.text).toContain('HTTP 500');
    expect(failed.text).toContain('compaction could not be started');
    expect(buttonValue(failed, 'diagnosis_escalate')).toContain('stemedb-2');
    expect((await audit()).find((e) => e.node === 'stemedb-2' && e.action === 'compact' && e.outcome === 'failed')).toBeDefined();
    expect((await bot.runtime.services.store.compactionLocks.all()).filter((lock) => lock.node === 'stemedb-2')).toEqual([]);
    expect((await ask(bot, 'compact stemedb-2')).text).toContain('Compact stemedb-2?');
  });

  it('Cancel changes nothing and is audited', async () => {
    const { value } = await requestConfirmation(bot, 'stemedb-2');
    const id = await clickEphemeral(bot, 'compaction_cancel', value);
    expect((await responseBody(bot, id)).text).toContain('cancelled: nothing was changed');
    expect((await audit())[0]).toMatchObject({ node: 'stemedb-2', outcome: 'cancelled' });
    expect(bot.sim.node('stemedb-2').compactRequests()).toBe(1);
  });

  it('during an incident, the responders paged for it may compact; others are told so', async () => {
    const { incidents } = bot.runtime.services.store;
    const { incident } = await incidents.openOrGet(
      { node: 'stemedb-2', title: 'HighStorageErrorRate', source: 'alert', fingerprint: 'fp-1', episode: 'e1' },
      new Date(),
    );
    await incidents.addEvent(incident.id, 'paged', new Date(), 'bot', { level: 0, userIds: ['U0PAGED'] });
    const value = JSON.stringify({ node: 'stemedb-2', incidentId: incident.id });
    const allowed = await responseBody(bot, await clickMessage(bot, 'diagnosis_compact', value, 'U0PAGED'));
    expect(allowed.text).toContain('Compact stemedb-2?');
    const refused = await responseBody(bot, await clickMessage(bot, 'diagnosis_compact', value, 'U0BYSTANDER'));
    expect(refused.text).toContain(`and the responders paged for ${incident.id} may compact stemedb-2`);
    await incidents.resolve(incident.id, new Date(), 'test');
  });

  it('`audit` shows operators the latest entries and refuses anyone else', async () => {
    const entries = await ask(bot, 'audit 50');
    expect(entries.text).toMatch(/<@U0OPS> · compact stemedb-1 · \*succeeded in \d/);
    expect(entries.text).toContain('<@U0MALLORY> · compact stemedb-1 · *refused: not allowed*');
    expect(entries.text).toMatch(/compact stemedb-2 · \*failed in|compact stemedb-2 · \*failed: /);
    const refused = await ask(bot, 'audit', 'U0MALLORY');
    expect(refused.text).toContain('may read the audit log');
    expect((await audit())[0]).toMatchObject({ actor: 'U0MALLORY', action: 'audit', outcome: 'refused' });
  });
});
