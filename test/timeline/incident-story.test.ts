import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { clickEphemeral, FAST_COMPACTION, OPERATOR, requestConfirmation } from '../compaction/compaction-helpers';
import { startBot, type TestBot } from '../harness/start-bot';
import type { TimelineEntry } from '../../src/timeline/timeline-events';
import { ask, secondsOf, sendShortcut, shortcutPayload, tsOf, userChain } from './timeline-helpers';

const CHANNEL = 'C0ALERTS';

/** Polls the incident's timeline until `match` finds something. */
async function waitForEvent(bot: TestBot, id: string, match: (e: TimelineEntry) => boolean, timeoutMs = 30_000): Promise<TimelineEntry> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = await bot.runtime.services.store.timeline.list(id);
    const found = entries.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such event on ${id}: ${JSON.stringify(entries.map((e) => e.kind))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** "2026-02-12 06:00:00 UTC" in the draft back to epoch ms. */
const utcMs = (text: string) => Date.parse(`${text.replace(' UTC', '').replace(' ', 'T')}Z`);

describe('an incident told back: timeline, notes, postmortem draft and response metrics', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 2 }],
      config: { access: { operators: { users: [OPERATOR] } }, compaction: FAST_COMPACTION, escalation: userChain() },
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
    });
  });
  afterAll(async () => bot?.stop());

  it('fire, diagnose, compact, escalate, ack, note, resolve: the log, the timeline, the draft and /metrics agree with what happened', async () => {
    const tFire = Date.now();
    const startsAt = new Date(tFire - 5 * 60_000).toISOString();
    const firing = alert({ fingerprint: 'fp-story', startsAt });
    expect((await postWebhook(bot.baseUrl, payload([firing]))).status).toBe(200);
    const incidents = bot.runtime.services.store.incidents;
    const id = (await bot.fake.waitFor(() => incidents.openForNode('stemedb-1'))).id;
    await waitForEvent(bot, id, (e) => e.kind === 'diagnosed');

    // Compaction by an operator; the re-check afterwards is the closed loop.
    const { value } = await requestConfirmation(bot, 'stemedb-1');
    await clickEphemeral(bot, 'compaction_confirm', value);
    const recheck = await waitForEvent(bot, id, (e) => e.kind === 'compaction_recheck', 40_000);
    expect(recheck.detail).toMatchObject({ condition: 'cleared' });

    // Escalation by hand; nobody acks the primary, so the secondary is paged and acks.
    expect(await ask(bot, 'escalate stemedb-1 errors came back after the import', 'U0ALICE')).toContain(`Escalating ${id}`);
    await waitForEvent(bot, id, (e) => e.kind === 'paged' && (e.detail as { userIds: string[] }).userIds.includes('UDBE1'), 15_000);
    const tAck = Date.now();
    expect(await ask(bot, `ack ${id}`, 'UDBE1')).toContain(`You acknowledged ${id}`);
    const tAckDone = Date.now();

    // Notes: typed, and a thread message added with the shortcut at the time it was posted.
    expect(await ask(bot, `note ${id} rolled back the batch import`, 'U0ALICE')).toContain(`Noted on ${id}'s timeline`);
    const threadTs = (await incidents.get(id))!.threadTs!;
    const messageMs = Date.now() - 30_000;
    const note = {
      user: 'U0BOB',
      channel: CHANNEL,
      threadTs,
      ts: tsOf(messageMs),
      text: 'the WAL disk filled from the batch import <!channel>',
      author: 'U0ALICE',
    };
    const forged = await sendShortcut(bot, shortcutPayload(bot, { ...note, responseId: 'sc-forged' }), { forgeSignature: true });
    expect(forged.status).toBe(401);
    expect((await sendShortcut(bot, shortcutPayload(bot, { ...note, responseId: 'sc-1' }))).status).toBe(200);
    expect(String((await bot.fake.waitFor(() => bot.fake.responses('sc-1')[0])).body.text)).toContain(`Added to ${id}'s timeline`);
    expect((await sendShortcut(bot, shortcutPayload(bot, { ...note, responseId: 'sc-2' }))).status).toBe(200);
    expect(String((await bot.fake.waitFor(() => bot.fake.responses('sc-2')[0])).body.text)).toContain('already on');
    expect(bot.fake.responses('sc-forged')).toHaveLength(0);

    const shown = await ask(bot, `timeline ${id}`, 'U0ALICE');
    expect(shown).toContain(`Timeline of ${id}`);
    expect(shown).toMatch(/`\s*\+\d+(m\d\ds)?s?` Secondary: Database engineer paged: <@UDBE1> \(DM delivered\)/);
    expect(shown).toMatch(/`\s*-\d+s` Note from <@U0ALICE>: the WAL disk filled from the batch import &lt;!channel&gt;/);
    expect(shown).toContain('Re-check after compaction: condition cleared');

    // The alert resolves: Alertmanager's end time becomes the resolution, and the draft lands in the thread.
    const tEnd = new Date();
    expect((await postWebhook(bot.baseUrl, payload([{ ...firing, status: 'resolved', endsAt: tEnd.toISOString() }]))).status).toBe(200);
    const complete = await bot.fake.waitForCall('files.completeUploadExternal', (c) => c.body.thread_ts === threadTs, 15_000);
    expect(complete.body.channel_id).toBe(CHANNEL);
    const fileId = (complete.body.files as { id: string }[])[0]!.id;
    const markdown = bot.fake
      .uploads()
      .find((u) => u.fileId === fileId)!
      .bytes!.toString('utf8');

    const kinds = (await bot.runtime.services.store.timeline.list(id)).map((e) => e.kind);
    const order = [
      'opened',
      'alert_fired',
      'diagnosed',
      'compacted',
      'compaction_recheck',
      'escalated',
      'paged',
      'acked',
      'note',
      'alert_resolved',
      'resolved',
    ];
    const firsts = order.map((k) => kinds.indexOf(k));
    expect(firsts.every((i) => i >= 0)).toBe(true);
    expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
    for (const [kind, n] of [
      ['alert_fired', 1],
      ['escalated', 1],
      ['acked', 1],
      ['note', 2],
      ['alert_resolved', 1],
      ['resolved', 1],
      ['compacted', 1],
    ] as const)
      expect(kinds.filter((k) => k === kind)).toHaveLength(n);
    const events = await bot.runtime.services.store.timeline.list(id);
    expect(events.filter((e) => e.kind === 'paged').flatMap((e) => (e.detail as { userIds: string[] }).userIds)).toEqual(['USRE1', 'UDBE1']);
    expect(events.find((e) => e.kind === 'note' && (e.detail as { via: string }).via === 'shortcut')!.at).toBe(new Date(messageMs).toISOString());

    // The draft's figures are what happened, to the second, with the right people.
    const opened = (await incidents.get(id))!.openedAt;
    expect(Math.abs(Date.parse(opened) - tFire)).toBeLessThan(1_000);
    const row = (name: string) => markdown.match(new RegExp(`\\| ${name} \\| (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC)([^|]*)\\| ([^|]+) \\|`));
    expect(Math.abs(utcMs(row('detection')![1]!) - tFire)).toBeLessThan(1_000);
    const ack = row('acknowledgement')!;
    expect(ack[2]).toContain('by @UDBE1');
    expect(utcMs(ack[1]!)).toBeGreaterThanOrEqual(Math.floor(tAck / 1000) * 1000);
    expect(utcMs(ack[1]!)).toBeLessThanOrEqual(tAckDone);
    expect(Math.abs(secondsOf(markdown.match(/Time to acknowledge: ([^.]+)\./)![1]!) - (tAck - tFire) / 1000)).toBeLessThanOrEqual(1.5);
    expect(utcMs(row('resolution')![1]!)).toBe(Math.floor(tEnd.getTime() / 1000) * 1000);
    expect(Math.abs(secondsOf(markdown.match(/Time to resolve: ([^.]+)\./)![1]!) - (tEnd.getTime() - tFire) / 1000)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(utcMs(row('mitigation')![1]!) - Date.parse(recheck.at))).toBeLessThan(1_000);
    expect(markdown).toContain(`Impact window: ${startsAt.slice(0, 19).replace('T', ' ')} UTC to ${tEnd.toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    expect(markdown).toMatch(/Peak error rate measured by the bot: \d+\.\d\d% at/);
    expect(markdown).toContain('Likely cause (last diagnosis): compaction_lag');
    expect(markdown).toMatch(
      /Compaction by @U0OPS succeeded in \d+s; SST files \d+ -> 30, pending compaction 1\d\.\d GB -> 0 B\. Helped: yes: the condition cleared \(error rate \d+\.\d\d% before, 0\.\d\d% after\)/,
    );
    expect(markdown).toContain('Escalated by @U0ALICE to Primary on-call: Storage SRE: errors came back after the import');
    expect(markdown).toMatch(/Primary on-call: Storage SRE paged: @USRE1 \(DM delivered\)/);
    expect(markdown).toMatch(/Secondary: Database engineer paged: @UDBE1 \(DM delivered\)/);
    expect(markdown).toContain('Note from @U0ALICE: the WAL disk filled from the batch import <!channel>');
    expect(markdown).toContain('Resolved by alertmanager');
    expect(markdown).toMatch(/## Runbook steps that applied\n\n- \S/);
    for (const title of ['Root cause', 'What went well', 'What to improve', 'Follow-ups']) expect(markdown).toContain(`## ${title}\n\n_To be written._`);

    // /metrics: time to ack by cause and level (the secondary acked), time to resolve, Grafana OnCall's buckets.
    const metrics = await (await fetch(`${bot.baseUrl}/metrics`)).text();
    expect(metrics).toContain('stemedb_chatops_time_to_ack_seconds_count{cause="compaction_lag",level="2"} 1');
    expect(metrics).toContain('stemedb_chatops_time_to_resolve_seconds_count{cause="compaction_lag",level="2"} 1');
    expect(metrics).toMatch(/stemedb_chatops_time_to_ack_seconds_bucket\{le="300",cause="compaction_lag",level="2"\} 1/);
    expect(metrics).toMatch(/stemedb_chatops_pages_total\{level="1",channel="slack_dm",outcome="sent"\} 1/);

    const stats = await ask(bot, 'stats-incidents 7', 'U0ALICE');
    expect(stats).toContain('Incidents in the last 7 day(s)*: 1');
    expect(stats).toMatch(/compaction_lag: 1 incident\(s\), MTTA \d+s \(1 acked\), MTTR \d+m? ?\d*s? \(1 resolved\)/);
    expect(stats).toContain('stemedb-1: 1 incident(s)');

    // `postmortem` regenerates the same draft on request.
    expect(await ask(bot, `postmortem ${id}`, 'U0ALICE')).toContain(`Postmortem draft for ${id} uploaded to its thread`);
    await bot.fake.waitFor(() => bot.fake.calls('files.completeUploadExternal').filter((c) => c.body.thread_ts === threadTs).length === 2);
  });

  it('the next firing remembers whether the compaction helped; a failed page and `/stemedb resolve` are on the log, and resolving uploads the draft', async () => {
    const next = alert({ fingerprint: 'fp-story', startsAt: new Date().toISOString() });
    expect((await postWebhook(bot.baseUrl, payload([next]))).status).toBe(200);
    const incidents = bot.runtime.services.store.incidents;
    const id = (await bot.fake.waitFor(() => incidents.openForNode('stemedb-1'))).id;
    const header = await bot.fake.waitFor(() => bot.fake.messages(CHANNEL).find((m) => JSON.stringify(m.blocks ?? '').includes('fired once before')));
    expect(JSON.stringify(header.blocks)).toContain('compacted by <@U0OPS> (succeeded; the errors cleared)');

    bot.fake.setMissingUsers(['USRE1']);
    expect(await ask(bot, 'escalate stemedb-1', 'U0ALICE')).toContain(`Escalating ${id}`);
    await waitForEvent(bot, id, (e) => e.kind === 'paged' && (e.detail as { userIds: string[] }).userIds.includes('UDBE1'), 15_000);
    expect(await ask(bot, `timeline ${id}`, 'U0ALICE')).toMatch(/Primary on-call: Storage SRE page failed: <@USRE1> \(DM: Slack user not found\)/);
    expect(await ask(bot, `resolve ${id} --confirm`, 'U0OPS')).toContain(`${id} (stemedb-1) is resolved`);
    const threadTs = (await incidents.get(id))!.threadTs!;
    const complete = await bot.fake.waitForCall('files.completeUploadExternal', (c) => c.body.thread_ts === threadTs, 15_000);
    const markdown = bot.fake
      .uploads()
      .find((u) => u.fileId === (complete.body.files as { id: string }[])[0]!.id)!
      .bytes!.toString('utf8');
    expect(markdown).toContain('Resolved by @U0OPS');
    expect(markdown).toMatch(/Primary on-call: Storage SRE page failed: @USRE1/);
    expect(markdown).toContain('| mitigation | not yet | n/a |');
    bot.fake.setMissingUsers([]);
  });

  it('refuses a shortcut outside an incident thread and bad command input, with usage', async () => {
    const payloadOut = shortcutPayload(bot, {
      user: 'U0BOB',
      channel: CHANNEL,
      threadTs: '1700000000.999999',
      ts: '1700000001.000100',
      text: 'hello',
      author: 'U0BOB',
      responseId: 'sc-out',
    });
    expect((await sendShortcut(bot, payloadOut)).status).toBe(200);
    expect(String((await bot.fake.waitFor(() => bot.fake.responses('sc-out')[0])).body.text)).toContain('not in an incident thread');
    expect(await ask(bot, 'timeline inc-nope', 'U0ALICE')).toContain('No incident `inc-nope`');
    expect(await ask(bot, 'timeline ../etc', 'U0ALICE')).toContain('an incident id such as inc-7f3a2c');
    expect(await ask(bot, 'stats-incidents 0', 'U0ALICE')).toContain('a number of days (at least 1)');
    expect(await ask(bot, 'note', 'U0ALICE')).toContain('missing argument');
    expect(await ask(bot, 'note inc-nope', 'U0ALICE')).toContain('the note text is missing');
  });
});
