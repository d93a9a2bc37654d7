import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../harness/postgres';
import { sendSlashCommand, slashCommandBody } from '../harness/slack-requests';
import { SIGNING_SECRET } from '../harness/start-bot';
import { dmsTo, markerOf, sleep } from '../escalation/escalation-helpers';
import { spawnBotProcess, type BotProcess } from '../escalation/fixtures/spawn-bot-process';

/**
 * A replica frozen mid-send (SIGSTOP, a long GC pause, a paused VM) past its lease: another replica takes the
 * page over, looks for it in Slack, does not find it, and sends it. When the frozen one wakes, its DM must not
 * go out as well: a Slack message has no idempotency key, so the fence is the lease, checked right before the
 * post leaves.
 */
describe.runIf(requirePostgresOrSkip())('a replica stalled past its lease while sending a page', () => {
  let server: RunningPostgres;
  let url: string;
  let fake: FakeSlack;
  let capture: CaptureServer;
  const running: BotProcess[] = [];

  beforeAll(async () => {
    [server, fake, capture] = await Promise.all([startPostgres(), startFakeSlack(), startCaptureServer()]);
    url = await server.createDatabase('stalled');
  }, 30_000);
  afterAll(async () => {
    for (const p of running) {
      p.child.kill('SIGCONT');
      await p.stop();
    }
    await fake?.close();
    await capture?.close();
    await server?.stop();
  });

  const start = async (replica: string) => {
    const p = await spawnBotProcess(
      {
        postgresUrlEnv: 'DATABASE_URL',
        slackApiUrl: fake.apiUrl,
        pagerdutyUrl: `${capture.url}/v2/enqueue`,
        nodes: ['stemedb-1'],
        hostChecks: false,
        leaseTtl: '2s',
        escalation: { levels: [{ name: 'Primary on-call: Storage SRE', ackTimeout: '10m', slack: { users: ['USRE1'] } }], repeat: { times: 0 } },
      },
      { DATABASE_URL: url, STEMEDB_CHATOPS_REPLICA: replica },
    );
    running.push(p);
    return p;
  };

  it('the replica that took the page over sends it; the stalled one wakes and drops its post (one DM)', async () => {
    const stalled = await start('stalled');
    // Slack is slow to open the DM: the first replica is frozen between claiming the page and posting it.
    fake.holdAnswers('conversations.open', true);
    await sendSlashCommand(stalled.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: 'escalate stemedb-1 stall test', response_url: fake.responseUrl() }));
    await fake.waitForCall('conversations.open', (c) => c.body.users === 'USRE1', 10_000);
    stalled.child.kill('SIGSTOP');
    // Its answer waits in the frozen process's socket; the other replica's calls are answered at once.
    fake.holdAnswers('conversations.open', false);

    const taker = await start('taker');
    const dm = await fake.waitFor(() => dmsTo(fake, 'USRE1')[0], 15_000);
    expect(taker.child.exitCode).toBeNull();
    // The taker looked for an earlier post of the page before sending it.
    expect(fake.calls('conversations.history').length).toBeGreaterThan(0);

    stalled.child.kill('SIGCONT');
    // The woken replica has its DM channel now and would post within its pace (20 ms here): give it time to try.
    await sleep(2_500);
    expect(dmsTo(fake, 'USRE1').map(markerOf)).toEqual([markerOf(dm)]);
  }, 60_000);
});
