import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNodesConfig, startCluster, type SimCluster } from '../../sim';
import { clickEphemeral, OPERATOR, requestConfirmation } from '../compaction/compaction-helpers';
import { sleep } from '../escalation/escalation-helpers';
import { spawnBotProcess, type BotProcess } from '../escalation/fixtures/spawn-bot-process';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../harness/fake-slack';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../harness/postgres';
import { blockActionsPayload, buttonAction, sendInteraction, sendSlashCommand, slashCommandBody } from '../harness/slack-requests';
import { SIGNING_SECRET, type TestBot } from '../harness/start-bot';

const TAKEN_OVER = 'taken over from a replica that stopped watching';

/**
 * A compaction watched by one replica of two on one PostgreSQL (issue 13): a replica that starts while
 * another watches leaves the run to it (one stream of progress), and takes the watch over once the watcher
 * is SIGKILLed and its lease runs out, finishing the same message once.
 */
describe.runIf(requirePostgresOrSkip())('a compaction watch across replicas', () => {
  let server: RunningPostgres;
  let url: string;
  let fake: FakeSlack;
  let sim: SimCluster;
  let dir: string;
  const running: BotProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'compaction-watch-'));
    [server, fake, sim] = await Promise.all([
      startPostgres(),
      startFakeSlack(),
      startCluster({ baseDir: join(dir, 'sim'), nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'], compactionSeconds: 20 }] }),
    ]);
    url = await server.createDatabase('watches');
  }, 30_000);
  afterAll(async () => {
    for (const p of running) await p.stop();
    await sim?.stop();
    await fake?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (replica: string) => {
    const p = await spawnBotProcess(
      {
        postgresUrlEnv: 'DATABASE_URL',
        slackApiUrl: fake.apiUrl,
        pagerdutyUrl: `${fake.apiUrl}/unused`,
        nodes: [],
        escalation: { levels: [{ name: 'Primary on-call', ackTimeout: '5m', slack: { users: ['USRE1'] } }] },
        leaseTtl: '2s',
        config: {
          stemedb: { nodes: clusterNodesConfig(sim) },
          access: { operators: { users: [OPERATOR] } },
          compaction: { progressInterval: '200ms', progressTimeout: '60s', maxPerNodePerHour: 2 },
          diagnosis: { sampleSeconds: 1, deadlineSeconds: 20 },
        },
      },
      { DATABASE_URL: url, STEMEDB_CHATOPS_REPLICA: replica },
    );
    running.push(p);
    return p;
  };
  /** The compaction helpers' view of a bot process: signed requests to its receiver, answers in the fake. */
  const asBot = (p: BotProcess) =>
    ({
      fake,
      command: (text: string, fields: Record<string, string> = {}, responseId?: string) =>
        sendSlashCommand(p.eventsUrl, SIGNING_SECRET, slashCommandBody({ text, response_url: fake.responseUrl(responseId), ...fields })),
      click: (actionId: string, value: string, overrides: Record<string, unknown> = {}) =>
        sendInteraction(
          p.eventsUrl,
          SIGNING_SECRET,
          blockActionsPayload({ actions: [buttonAction({ action_id: actionId, value })], response_url: fake.responseUrl(), ...overrides }),
        ),
    }) as unknown as TestBot;

  it('the second replica leaves a watched run alone, then takes it over after the watcher is killed and finishes it once', async () => {
    const a = await start('a');
    const { value } = await requestConfirmation(asBot(a), 'stemedb-1');
    await clickEphemeral(asBot(a), 'compaction_confirm', value);
    const progress = await fake.waitFor(
      () => fake.messages('C0ALERTS').find((m) => Boolean(m.text?.includes('Compacting stemedb-1') && m.text.includes('▓'))),
      15_000,
    );
    const updates = () => fake.calls('chat.update').filter((c) => c.ok && c.body.ts === progress.ts);
    const text = (c: RecordedCall) => String(c.body.text ?? '');

    // b starts while a watches: its start-up pass and its polls leave the run to a.
    const b = await start('b');
    await sleep(2_500);
    const whileWatched = updates();
    expect(whileWatched.length).toBeGreaterThan(5);
    expect(whileWatched.filter((c) => /resumed after|taken over/.test(text(c)))).toEqual([]);

    // a dies mid-watch; b takes the watch over once a's lease (2 s) ran out, found by its one-second poll.
    await a.kill9();
    const killedAt = Date.now();
    const takenOver = await fake.waitFor(() => updates().find((c) => text(c).includes(TAKEN_OVER)), 10_000);
    expect(takenOver.at - killedAt).toBeGreaterThan(1_000);
    expect(takenOver.at - killedAt).toBeLessThan(6_000);
    const done = await fake.waitFor(() => updates().find((c) => text(c).includes('Compaction of stemedb-1 finished')), 40_000);
    expect(text(done)).toContain(TAKEN_OVER);
    const rechecks = () =>
      fake.calls('chat.postMessage').filter((c) => c.ok && c.body.thread_ts === progress.ts && String(c.body.text).includes('Re-check of stemedb-1'));
    await fake.waitFor(() => rechecks()[0], 15_000);
    await sleep(1_500); // a second watcher's summary or re-check would arrive by now
    expect(rechecks()).toHaveLength(1);
    expect(updates().filter((c) => text(c).includes('Compaction of stemedb-1 finished'))).toHaveLength(1);
    // After the takeover every progress update is b's: none without its note.
    const after = updates().filter((c) => c.at >= takenOver.at);
    expect(after.filter((c) => !text(c).includes(TAKEN_OVER))).toEqual([]);
    expect(sim.node('stemedb-1').compactRequests()).toBe(1);
    await b.stop();
  }, 90_000);
});
