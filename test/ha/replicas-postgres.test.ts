import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { requirePostgresOrSkip } from '../harness/postgres';
import { sendSlashCommand, slashCommandBody } from '../harness/slack-requests';
import { SIGNING_SECRET } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { dmsTo, markerOf, sleep } from '../escalation/escalation-helpers';
import type { BotProcess } from '../escalation/fixtures/spawn-bot-process';
import { useReplicaHarness } from './replica-harness';

/**
 * Two real bot processes on one PostgreSQL (issue 13): what one replica started, the other finishes when the
 * first dies, and what reaches both at once is handled once.
 */
describe.runIf(requirePostgresOrSkip())('two replicas on one PostgreSQL', () => {
  const ha = useReplicaHarness('replicas');
  const start = (replica: string) =>
    ha.spawn(
      {
        nodes: ['stemedb-1', 'stemedb-2'],
        hostChecks: false,
        alertmanagerToken: WEBHOOK_TOKEN,
        escalation: {
          levels: [
            { name: 'Primary on-call: Storage SRE', ackTimeout: '3s', slack: { users: ['USRE1'] }, pagerduty: { routingKeyEnv: 'PD_KEY' } },
            { name: 'Secondary: Database engineer', ackTimeout: '1500ms', slack: { users: ['UDBE1'] }, pagerduty: { routingKeyEnv: 'PD_KEY' } },
            { name: 'Tertiary: Storage lead', ackTimeout: '1500ms', slack: { users: ['ULEAD1'] } },
            { name: 'Final: Principal engineer + on-call manager', ackTimeout: '30s', slack: { users: ['UPE1'] } },
          ],
          repeat: { times: 0 },
          // The scheduler's own audit is far away: only the replicas' one-second poll finds the other's work.
          auditInterval: '30s',
        },
      },
      { PD_KEY: 'pd-key', STEMEDB_CHATOPS_REPLICA: replica },
    );

  it('two replicas tick one escalation, then one is SIGKILLed and the other continues it, each page once; one incident and thread for an alert sent to both', async () => {
    const { fake, capture } = ha;
    const [a, b] = await Promise.all([start('a'), start('b')]);
    const db = new pg.Client({ connectionString: ha.url });
    await db.connect();
    try {
      // A clustered Alertmanager delivering one group to both replicas at the same moment.
      const group = payload([alert({ labels: { instance: 'stemedb-2' }, fingerprint: 'fp-both' })]);
      const origin = (p: BotProcess) => new URL(p.eventsUrl).origin;
      const answers = await Promise.all([postWebhook(origin(a), group), postWebhook(origin(b), group)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      const headers = () =>
        fake.messages('C0ALERTS').filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && String(m.text).includes('HighStorageErrorRate on stemedb-2'));
      await fake.waitFor(() => headers()[0], 10_000);

      // An escalation started on replica a. Level 2 falls due 3 s later while both replicas poll: both tick the
      // same step, fenced by its token. Then a dies, once level 2 is out (DM, PagerDuty trigger, thread post).
      await sendSlashCommand(a.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: 'escalate stemedb-1 replica test', response_url: fake.responseUrl() }));
      await fake.waitFor(() => dmsTo(fake, 'USRE1')[0], 10_000);
      const level2 = await fake.waitFor(() => dmsTo(fake, 'UDBE1')[0], 15_000);
      const levelPosts = () => fake.calls('chat.postMessage').filter((c) => c.ok && String(c.body.text).includes(':rotating_light: *Paging'));
      await fake.waitFor(() => levelPosts().length >= 2 || undefined, 10_000);
      await fake.waitFor(() => capture.accepted('/v2/enqueue').filter((r) => r.body?.event_action === 'trigger').length >= 2 || undefined, 10_000);
      await sleep(300); // the delivery's bookkeeping commits
      await a.kill9();
      const killedAt = Date.now();

      // b finds level 3 due (1.5 s after level 2) by its poll, then level 4 (1.5 s later).
      const level3 = await fake.waitFor(() => dmsTo(fake, 'ULEAD1')[0], 15_000);
      const level4 = await fake.waitFor(() => dmsTo(fake, 'UPE1')[0], 15_000);
      expect(level3.at).toBeGreaterThan(killedAt);
      await sleep(1_500); // anything doubled would arrive by now

      const due = new Map(
        (
          await db.query<{ key: string; due: string }>(
            "SELECT idempotency_key AS key, (extract(epoch FROM due_at) * 1000)::bigint::text AS due FROM page_outbox WHERE kind = 'slack_dm'",
          )
        ).rows.map((r) => [`page:${r.key}`, Number(r.due)]),
      );
      // On time by the database's clock, give or take the one-second poll.
      for (const call of [level2, level3, level4]) {
        const lateness = call.at - due.get(markerOf(call)!)!;
        expect(lateness).toBeGreaterThanOrEqual(-50);
        expect(lateness).toBeLessThan(2_500);
      }
      for (const user of ['USRE1', 'UDBE1', 'ULEAD1', 'UPE1']) expect(dmsTo(fake, user).map(markerOf)).toHaveLength(1);
      const triggers = capture.accepted('/v2/enqueue').filter((r) => r.body?.event_action === 'trigger');
      expect(triggers).toHaveLength(2); // levels 1 and 2, each once
      expect(levelPosts()).toHaveLength(4);
      expect(new Set(levelPosts().map(markerOf)).size).toBe(4);

      // The alert: one incident, one thread header, whichever replica got it first.
      await sleep(500);
      expect(headers()).toHaveLength(1);
      const incidents = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM incidents WHERE node = 'stemedb-2'");
      expect(incidents.rows[0]!.n).toBe('1');
    } finally {
      await db.end();
    }
  }, 60_000);
});
