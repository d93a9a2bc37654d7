import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESCALATION_ACTIONS } from '../../src/escalation/escalation-views';
import { DIAGNOSIS_ACTIONS } from '../../src/render/diagnosis-blocks';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { sendSignedBody } from '../harness/slack-requests';
import { SIGNING_SECRET, startBot, type TestBot } from '../harness/start-bot';
import { dmsTo, incidentOf, markerOf, sleep, testChain, textOf, threadPosts } from './escalation-helpers';

const PD = '/v2/enqueue';
const NODES = ['stemedb-1', 'stemedb-2', 'stemedb-3', 'stemedb-4', 'stemedb-5'];

describe('escalation paging through the real bot (short ack timeouts)', () => {
  let bot: TestBot;
  let fake: FakeSlack;
  let capture: CaptureServer;
  const dedup = (id: string) => `stemedb-chatops:${id}`;
  const pdEvents = (id: string, action: string, accepted = true) =>
    (accepted ? capture.accepted(PD) : capture.requests(PD)).filter((r) => r.body?.dedup_key === dedup(id) && r.body?.event_action === action);
  const reply = async (id: string) => (await fake.waitFor(() => fake.responses(id)[0])).body as { text: string; response_type: string };

  beforeAll(async () => {
    capture = await startCaptureServer();
    fake = await startFakeSlack();
    fake.setUserGroup('SSRE', ['USRE1', 'USRE2']);
    // The harness reads secrets and PAGERDUTY_EVENTS_URL from the environment, as the bot does.
    Object.assign(process.env, { PAGERDUTY_EVENTS_URL: `${capture.url}${PD}`, PD_KEY_PRIMARY: 'pd-routing-key-primary' });
    // Levels 1 and 2 leave room for a click or a command to land on a loaded machine before the next level.
    bot = await startBot({
      fake,
      nodes: NODES.map((name) => ({ name, scenarios: ['healthy'] })),
      config: {
        access: { operators: { users: ['U_ALICE'] } },
        escalation: testChain({ hookUrl: `${capture.url}/hook`, ackTimeouts: ['1500ms', '2s', '500ms'] }),
      },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await capture?.close();
    delete process.env.PAGERDUTY_EVENTS_URL;
    delete process.env.PD_KEY_PRIMARY;
  });

  it('walks all three levels, repeats the chain once, then stops and says so', async () => {
    await bot.command('escalate stemedb-1 disk errors keep growing', {}, 'walk');
    expect((await reply('walk')).text).toMatch(/Escalating inc-[0-9a-f]+ \(stemedb-1\): paging \*Primary on-call: Storage SRE\* now/);
    const id = await incidentOf(bot, 'stemedb-1');
    await fake.waitFor(async () => (await threadPosts(bot, id)).find((c) => textOf(c).includes('Nobody acknowledged after 2 round(s)')), 25_000);

    for (const user of ['USRE1', 'USRE2', 'UDBE1', 'UPE1', 'UMGR1']) expect(dmsTo(fake, user, id).map(markerOf)).toHaveLength(2);
    // Each level is paged once the previous level's ack timeout has passed, never before.
    const levelRows = (await bot.runtime.services.escalations!.outbox.ofEscalation(`${id}.e1`)).filter((r) => r.kind === 'slack_thread');
    expect(levelRows.map((r) => `${r.round}:${r.level}`)).toEqual(['1:0', '1:1', '1:2', '2:0', '2:1', '2:2']);
    const timeouts = [1_500, 2_000, 500, 1_500, 2_000];
    for (let i = 1; i < levelRows.length; i++) expect(levelRows[i]!.createdAt - levelRows[i - 1]!.createdAt).toBeGreaterThanOrEqual(timeouts[i - 1]!);
    expect(dmsTo(fake, 'UDBE1', id)[0]!.at).toBeGreaterThanOrEqual(levelRows[0]!.createdAt + 1_500);

    const dm = dmsTo(fake, 'USRE1', id)[0]!;
    expect(textOf(dm)).toContain('disk errors keep growing');
    expect(textOf(dm)).toContain('High Storage Error Rate');
    expect(JSON.stringify(dm.body.blocks)).toContain(ESCALATION_ACTIONS.ack);

    const triggers = pdEvents(id, 'trigger');
    expect(triggers).toHaveLength(2);
    const details = (triggers[0]!.body!.payload as { custom_details: Record<string, unknown> }).custom_details;
    expect(details).toMatchObject({ incident: id, node: 'stemedb-1', runbook: expect.stringContaining('storage-errors.md') });
    expect(details.reasons).toEqual([expect.stringContaining('disk errors keep growing')]);
    const hooks = capture.accepted('/hook').filter((r) => r.body?.incident === id);
    expect(hooks.map((h) => h.body?.event)).toEqual(['page', 'page']);
    expect(new Set(hooks.map((h) => h.headers['idempotency-key'])).size).toBe(2);

    const levelPosts = (await threadPosts(bot, id)).filter((c) => textOf(c).includes(':rotating_light: *Paging'));
    expect(levelPosts).toHaveLength(6);
    expect(textOf(levelPosts[0]!)).toContain('<!subteam^SSRE>');
    expect(await bot.runtime.services.store.incidents.get(id)).toMatchObject({ source: 'manual', channel: 'C0ALERTS' });
  });

  it('an ack at level 2 stops level 3; a reaction emoji on the page does not acknowledge', async () => {
    await bot.command('escalate stemedb-2');
    const id = await incidentOf(bot, 'stemedb-2');
    const page1 = await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0]);
    const reaction = {
      type: 'event_callback',
      token: 'x',
      team_id: 'T0STEMEDB',
      api_app_id: 'A0STEMEDB',
      event_id: 'Ev1',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'reaction_added',
        user: 'USRE1',
        reaction: 'white_check_mark',
        item: { type: 'message', channel: 'DUSRE1', ts: (page1.response as { ts: string }).ts },
        event_ts: '1.1',
      },
    };
    expect((await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, JSON.stringify(reaction), { contentType: 'application/json' })).status).toBe(200);

    const page2 = await fake.waitFor(() => dmsTo(fake, 'UDBE1', id)[0]);
    const button = JSON.stringify(page2.body.blocks)
      .match(/"value":"(\{\\"incidentId\\":\\"[^"\\]+\\"\})"/)?.[1]
      ?.replace(/\\"/g, '"');
    expect(button).toBe(JSON.stringify({ incidentId: id }));
    const response = fake.responseUrl('ack2');
    const ts = (page2.response as { ts: string }).ts;
    await bot.click(ESCALATION_ACTIONS.ack, button!, {
      user: { id: 'UDBE1', username: 'dbe', name: 'dbe', team_id: 'T0STEMEDB' },
      channel: { id: 'DUDBE1', name: 'directmessage' },
      message: { type: 'message', ts, text: '' },
      response_url: response,
    });
    expect((await reply('ack2')).text).toContain(`You acknowledged ${id}`);
    await fake.waitFor(async () => (await threadPosts(bot, id)).find((c) => textOf(c).includes('<@UDBE1> acknowledged') && textOf(c).includes('Secondary')));
    await capture.waitFor(() => pdEvents(id, 'acknowledge')[0]);
    await fake.waitFor(() => fake.calls('chat.update').find((c) => c.body.channel === 'DUSRE1' && String(c.body.text).includes('Acknowledged by <@UDBE1>')));

    // That level 3 is never paged after the ack is asserted on a fake clock, an hour on, in
    // escalation-clock.test.ts (it slept 2.2 s here).
    const events = await bot.runtime.services.store.incidents.events(id);
    expect(events.find((e) => e.kind === 'acked')).toMatchObject({ actor: 'UDBE1' });
    expect(
      events
        .filter((e) => e.kind === 'paged')
        .flatMap((e) => e.detail.userIds as string[])
        .sort(),
    ).toEqual(['UDBE1', 'USRE1', 'USRE2']);
  });

  it('PagerDuty answering 500, then 429, then 202 gives exactly one accepted event per page', async () => {
    capture.answerNext([{ status: 500 }, { status: 429, headers: { 'retry-after': '0' } }], PD);
    await bot.command('escalate stemedb-3');
    const id = await incidentOf(bot, 'stemedb-3');
    await capture.waitFor(() => pdEvents(id, 'trigger')[0]);
    await bot.runtime.services.escalations!.acknowledge(id, 'UTEST');
    await capture.waitFor(() => pdEvents(id, 'acknowledge')[0]);
    expect(pdEvents(id, 'trigger', false).map((r) => r.status)).toEqual([500, 429, 202]);
    expect(pdEvents(id, 'trigger')).toHaveLength(1);
    expect(pdEvents(id, 'acknowledge')).toHaveLength(1);
  });

  it('resolving sends PagerDuty resolve and stops the chain; resolve asks to confirm first', async () => {
    await bot.command('escalate stemedb-4');
    const id = await incidentOf(bot, 'stemedb-4');
    await capture.waitFor(() => pdEvents(id, 'trigger')[0]);
    await bot.command(`resolve ${id}`, {}, 'res1');
    expect((await reply('res1')).text).toContain(`/stemedb resolve ${id} --confirm`);
    expect((await bot.runtime.services.store.incidents.get(id))?.status).toBe('open');
    await bot.command(`resolve ${id} --confirm`, {}, 'res2');
    expect((await reply('res2')).text).toContain(`${id} (stemedb-4) is resolved. Paging has stopped. PagerDuty is told to resolve.`);
    const resolve = await capture.waitFor(() => pdEvents(id, 'resolve')[0]);
    expect(resolve.body).toEqual({ routing_key: 'pd-routing-key-primary', event_action: 'resolve', dedup_key: dedup(id) });
    // That nobody further is paged (DM or webhook) after the resolve is asserted on a fake clock in
    // escalation-clock.test.ts (it slept 1.7 s here).
    expect((await bot.runtime.services.escalations!.summary(id))?.status).toBe('resolved');
  });

  it('a chain whose incident was resolved elsewhere stops at its next step instead of paging', async () => {
    await bot.command('escalate stemedb-4 back again', {}, 'again');
    await reply('again');
    const id = await incidentOf(bot, 'stemedb-4');
    await bot.runtime.services.store.incidents.resolve(id, new Date(), 'UOTHER');
    await capture.waitFor(() => pdEvents(id, 'resolve')[0], 5_000);
    expect(dmsTo(fake, 'USRE1', id)).toHaveLength(1);
    expect(dmsTo(fake, 'UDBE1', id)).toHaveLength(0);
    expect(await bot.runtime.services.escalations!.escalations.latest(id)).toMatchObject({ endedBy: 'UOTHER', state: { status: 'resolved' } });
  });

  it('a double click on Escalate starts one chain and pages each person once', async () => {
    const value = JSON.stringify({ node: 'stemedb-5' });
    await Promise.all([bot.click(DIAGNOSIS_ACTIONS.escalate, value), bot.click(DIAGNOSIS_ACTIONS.escalate, value)]);
    const id = await incidentOf(bot, 'stemedb-5');
    await fake.waitFor(() => dmsTo(fake, 'USRE1', id)[0] && dmsTo(fake, 'USRE2', id)[0]);
    await capture.waitFor(() => pdEvents(id, 'trigger')[0]);
    await bot.runtime.services.escalations!.acknowledge(id, 'UTEST');
    await sleep(300);
    expect(await bot.runtime.services.escalations!.escalations.ofIncident(id)).toHaveLength(1);
    expect(dmsTo(fake, 'USRE1', id)).toHaveLength(1);
    expect(dmsTo(fake, 'USRE2', id)).toHaveLength(1);
    expect(pdEvents(id, 'trigger')).toHaveLength(1);
    // The second click is the same request, not a request for more help: level 2 is not paged.
    expect(dmsTo(fake, 'UDBE1', id)).toHaveLength(0);
  });

  it('honours Slack 429 Retry-After without losing or doubling a page', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    // After the ack, a plain `escalate` would page the level above the acker; `--level 1` repeats the chain.
    await bot.command('escalate stemedb-5 --level 1 still failing');
    const id = await incidentOf(bot, 'stemedb-5');
    const mine = (user: string) => dmsTo(fake, user).filter((c) => markerOf(c)?.startsWith(`page:${id}.e2:`));
    await fake.waitFor(() => mine('USRE1')[0] && mine('USRE2')[0], 8_000);
    await bot.runtime.services.escalations!.acknowledge(id, 'UTEST');
    const limited = fake.calls('chat.postMessage').find((c) => c.status === 429)!;
    const retried = await fake.waitFor((calls) =>
      calls.find(
        (c) => c.method === 'chat.postMessage' && c.ok && c.at > limited.at && c.body.channel === limited.body.channel && markerOf(c) === markerOf(limited),
      ),
    );
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(900);
    expect(mine('USRE1')).toHaveLength(1);
    expect(mine('USRE2')).toHaveLength(1);
  });

  it("joins the node's open alert incident and pages in its thread", async () => {
    const { incidents } = bot.runtime.services.store;
    // One open incident per node: the alert would join stemedb-3's earlier incident, so that one is closed first.
    for (const open of await incidents.openOfNode('stemedb-3')) await bot.runtime.services.escalations!.resolveIncident(open.id, 'UTEST');
    const { incident } = await incidents.openOrGet(
      {
        node: 'stemedb-3',
        title: 'HighStorageErrorRate on stemedb-3',
        source: 'alert',
        alertname: 'HighStorageErrorRate',
        fingerprint: 'fp-1',
        episode: '2026-11-23T10:00:00Z',
      },
      new Date(),
    );
    const header = await bot.runtime.services.messenger.post('C0ALERTS', { text: 'alert header' });
    await incidents.setThread(incident.id, header.channel, header.ts);
    const value = JSON.stringify({ node: 'stemedb-3', incidentId: incident.id });
    await bot.click(DIAGNOSIS_ACTIONS.escalate, value, { response_url: fake.responseUrl('alert-esc') });
    expect((await reply('alert-esc')).text).toContain(`Escalating ${incident.id} (stemedb-3)`);
    const post = await fake.waitFor(async () => (await threadPosts(bot, incident.id)).find((c) => textOf(c).includes('*Paging Primary on-call')));
    expect(post.body.thread_ts).toBe(header.ts);
    expect(fake.messages('C0ALERTS').filter((m) => String(m.text).includes(`(${incident.id}), started`))).toHaveLength(0);
    await bot.runtime.services.escalations!.resolveIncident(incident.id, 'alertmanager');
    await capture.waitFor(() => pdEvents(incident.id, 'resolve')[0]);
  });

  it('status shows level, who was paged, who acked; oncall walks the chain without paging', async () => {
    await bot.command('status', {}, 'status');
    const status = (await reply('status')).text;
    const acked = await incidentOf(bot, 'stemedb-2');
    expect(status).toContain(`*${acked}* stemedb-2`);
    expect(status).toMatch(new RegExp(`${acked}[^]*Escalation: level 2 of 3 \\(Secondary: Database engineer\\), acknowledged by <@UDBE1>`));
    expect(status).toMatch(/Paged: .*<@USRE1> :white_check_mark: \d\d:\d\d:\d\d UTC/);
    expect(status).not.toContain('stemedb-4');

    const before = fake.calls('chat.postMessage').length;
    fake.setMissingUsers(['UPE1']);
    await bot.command('oncall', {}, 'oncall');
    const oncall = (await reply('oncall')).text;
    expect(oncall).toContain('<@USRE1> via `SSRE`');
    expect(oncall).toContain('PagerDuty `PD_KEY_PRIMARY`');
    expect(oncall).toContain('*3. Final: Principal engineer + on-call manager*, acknowledge within 500ms');
    expect(oncall).toMatch(/user `UPE1` is not found in Slack/);
    expect(fake.calls('chat.postMessage').length).toBe(before);
    fake.setMissingUsers([]);
  });
});
