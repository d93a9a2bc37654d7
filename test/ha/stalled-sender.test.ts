import { describe, expect, it } from 'vitest';
import { requirePostgresOrSkip } from '../harness/postgres';
import { sendSlashCommand, slashCommandBody } from '../harness/slack-requests';
import { SIGNING_SECRET } from '../harness/start-bot';
import { dmsTo, markerOf, sleep } from '../escalation/escalation-helpers';
import { useReplicaHarness } from './replica-harness';

/**
 * A replica frozen mid-send (SIGSTOP, a long GC pause, a paused VM) past its lease: another replica takes the
 * page over, looks for it in Slack, does not find it, and sends it. When the frozen one wakes, its DM must not
 * go out as well: a Slack message has no idempotency key, so the fence is the lease, checked right before the
 * post leaves.
 */
describe.runIf(requirePostgresOrSkip())('a replica stalled past its lease while sending a page', () => {
  const ha = useReplicaHarness('stalled');
  const start = (replica: string) =>
    ha.spawn(
      {
        nodes: ['stemedb-1'],
        hostChecks: false,
        leaseTtl: '2s',
        escalation: { levels: [{ name: 'Primary on-call: Storage SRE', ackTimeout: '10m', slack: { users: ['USRE1'] } }], repeat: { times: 0 } },
      },
      { STEMEDB_CHATOPS_REPLICA: replica },
    );

  it('the replica that took the page over sends it; the stalled one wakes and drops its post (one DM)', async () => {
    const fake = ha.fake;
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
