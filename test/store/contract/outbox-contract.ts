import { describe, expect, it } from 'vitest';
import type { UnitOfWork } from '../../../src/app/repositories';
import { pageKey, type NewOutboxRow, type OutboxPayload, type PageContext } from '../../../src/escalation/outbox-rows';
import { newEscalation } from './escalations-contract';
import type { StoreFactory } from './store-factory';
import { storedTime, storedTimes } from './stored-times';
import { openIncident, t0, useContractStore } from './use-contract-store';

const T0 = t0.getTime();
/** Two replicas' leases (a live one outlasts every test) and a short one, expired after `sleep(20)` on PostgreSQL. */
const A = { owner: 'host-a:1:aaaa', ttlMs: 60_000 };
const B = { owner: 'host-b:2:bbbb', ttlMs: 60_000 };
const SHORT = { owner: 'host-a:1:aaaa', ttlMs: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const page = (incidentId: string, level: number): PageContext => ({
  packet: { incidentId } as unknown as PageContext['packet'],
  level,
  round: 1,
  levelName: level === 0 ? 'Primary on-call' : 'Database engineer',
  levelCount: 2,
  ackTimeoutMs: 300_000,
  nextLevelName: level === 0 ? 'Database engineer' : null,
});

/** An escalation to hang outbox rows on (the table references it), and a row builder for it. */
async function escalationOf(store: UnitOfWork, n: number) {
  const incidentId = await openIncident(store, `stemedb-${n}`, n);
  const escalation = await store.escalations.create(newEscalation(incidentId));
  const row = (level: number | null, target: string, payload: OutboxPayload, dueAt = T0): NewOutboxRow => ({
    key: level === null ? `${escalation.id}:note:${target}` : pageKey(escalation.id, level, 1, payload.kind, target),
    escalationId: escalation.id,
    incidentId,
    level,
    round: level === null ? null : 1,
    target,
    payload,
    dueAt,
  });
  return { incidentId, escalationId: escalation.id, row };
}

/** The page outbox contract: one row per idempotency key, each row claimed for sending exactly once. */
export function outboxContract(factory: StoreFactory): void {
  describe(`page outbox (${factory.name})`, () => {
    const { connect } = useContractStore(factory);

    it('writes a page once per key, from any replica, and reads it back the same (times in ms)', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const { incidentId, escalationId, row } = await escalationOf(a, 1);
      const dm = row(0, 'U01PRIMARY', { kind: 'slack_dm', page: page(incidentId, 0) }, T0 - 250);
      const note = row(null, 'C0ALERTS', { kind: 'slack_note', text: 'Paging level 1', ackButton: true });
      expect(await a.outbox.insert([dm, note, dm], T0)).toBe(2);
      expect(await b.outbox.insert([dm, note], T0 + 5)).toBe(0);
      expect(await a.outbox.insert([], T0)).toBe(0);
      const rows = await b.outbox.ofEscalation(escalationId);
      expect(rows).toEqual([
        {
          ...dm,
          id: expect.any(Number),
          kind: 'slack_dm',
          reachesHuman: true,
          status: 'pending',
          attempts: 0,
          dueAt: T0 - 250,
          nextAttemptAt: T0,
          createdAt: T0,
          sendingSince: null,
          sentAt: null,
          lastError: null,
          result: null,
        },
        expect.objectContaining({ key: note.key, kind: 'slack_note', reachesHuman: false, level: null, round: null, payload: note.payload }),
      ]);
      expect(await a.outbox.get(rows[0]!.id)).toEqual(rows[0]);
      expect(await a.outbox.get(987_654)).toBeUndefined();
      expect((await a.outbox.ofLevel(escalationId, 0, 1)).map((r) => r.key)).toEqual([dm.key]);
      expect(await a.outbox.ofLevel(escalationId, 1, 1)).toEqual([]);
    });

    it('goes pending -> sending -> sent, or back to pending for a retry (refunding the attempt if asked), or failed', async () => {
      const store = (await connect()).store;
      const { incidentId, escalationId, row } = await escalationOf(store, 1);
      await store.outbox.insert(
        [
          row(0, 'U01PRIMARY', { kind: 'slack_dm', page: page(incidentId, 0) }),
          row(1, 'PD', { kind: 'pagerduty', action: 'trigger', routingKeyEnv: 'PD_ROUTING_KEY', page: page(incidentId, 1) }),
          row(1, 'hook', { kind: 'webhook', action: 'page', url: 'https://pager.example.com/hook', page: page(incidentId, 1) }),
        ],
        T0,
      );
      const [dm, pd, hook] = await store.outbox.ofEscalation(escalationId);
      const dmLease = await store.outbox.claim(dm!.id, T0 + 10, A);
      expect(dmLease).toEqual({ owner: A.owner, attempt: 1 });
      expect(await store.outbox.claim(dm!.id, T0 + 11, B)).toBeUndefined();
      expect(await store.outbox.get(dm!.id)).toMatchObject({ status: 'sending', attempts: 1, sendingSince: T0 + 10 });
      expect(await store.outbox.expired(T0 + 11, 10)).toEqual([]);
      expect(await store.outbox.markSent(dm!.id, dmLease!, T0 + 20, { channel: 'D01', ts: '1764417600.000300' })).toBe(true);
      expect(await store.outbox.get(dm!.id)).toMatchObject({ status: 'sent', sentAt: T0 + 20, result: { channel: 'D01', ts: '1764417600.000300' } });

      const pdLease = await store.outbox.claim(pd!.id, T0 + 30, A);
      expect(await store.outbox.markRetry(pd!.id, pdLease!, T0 + 5000, 'HTTP 429', true)).toBe(true);
      expect(await store.outbox.get(pd!.id)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T0 + 5000, lastError: 'HTTP 429' });
      const pdAgain = await store.outbox.claim(pd!.id, T0 + 5000, A);
      expect(await store.outbox.markRetry(pd!.id, pdAgain!, T0 + 9000, 'HTTP 503', false)).toBe(true);
      expect(await store.outbox.get(pd!.id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 9000 });
      await store.outbox.postpone(pd!.id, T0 + 9500, 'waiting for the trigger');
      expect(await store.outbox.get(pd!.id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 9500 });

      const hookLease = await store.outbox.claim(hook!.id, T0 + 40, A);
      await store.outbox.postpone(hook!.id, T0 + 9500, 'no-op: not pending');
      expect(await store.outbox.markFailed(hook!.id, hookLease!, 'HTTP 404')).toBe(true);
      expect(await store.outbox.get(hook!.id)).toMatchObject({ status: 'failed', lastError: 'HTTP 404', attempts: 1, nextAttemptAt: T0 });
    });

    it('a row whose sender stopped renewing its lease is taken over by another replica; the old sender is fenced off', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const { incidentId, escalationId, row } = await escalationOf(a, 1);
      await a.outbox.insert([row(0, 'U1', { kind: 'slack_dm', page: page(incidentId, 0) }), row(0, 'U2', { kind: 'slack_dm', page: page(incidentId, 0) })], T0);
      const [dead, live] = await a.outbox.ofEscalation(escalationId);
      const stale = await a.outbox.claim(dead!.id, T0, SHORT);
      const held = await a.outbox.claim(live!.id, T0, A);
      await sleep(20); // PostgreSQL leases run on the database clock; SQLite's on the `now` passed
      expect((await b.outbox.expired(T0 + 1000, 10)).map((r) => [r.id, r.status, r.attempts])).toEqual([[dead!.id, 'sending', 1]]);
      // A live lease blocks a claim; an expired one is taken over, counting an attempt.
      expect(await b.outbox.claim(live!.id, T0 + 1000, B)).toBeUndefined();
      const taken = await b.outbox.claim(dead!.id, T0 + 1000, B);
      expect(taken).toEqual({ owner: B.owner, attempt: 2 });
      expect(await b.outbox.expired(T0 + 1000, 10)).toEqual([]);
      expect(await a.outbox.claim(dead!.id, T0 + 1000, A)).toBeUndefined();

      // The old sender wakes up: every completion is refused and changes nothing.
      expect(await a.outbox.extend(dead!.id, stale!, T0 + 1000, 60_000)).toBe(false);
      expect(await a.outbox.markSent(dead!.id, stale!, T0 + 1000, { by: 'a' })).toBe(false);
      expect(await a.outbox.markRetry(dead!.id, stale!, T0 + 2000, 'late', true)).toBe(false);
      expect(await a.outbox.markFailed(dead!.id, stale!, 'late')).toBe(false);
      expect(await a.outbox.get(dead!.id)).toMatchObject({ status: 'sending', attempts: 2, sentAt: null, lastError: null });
      expect(await b.outbox.extend(dead!.id, taken!, T0 + 1000, 60_000)).toBe(true);
      expect(await b.outbox.markSent(dead!.id, taken!, T0 + 1100, { by: 'b' })).toBe(true);
      expect(await a.outbox.get(dead!.id)).toMatchObject({ status: 'sent', result: { by: 'b' } });
      expect(await a.outbox.markSent(live!.id, held!, T0 + 1200, { by: 'a' })).toBe(true);
    });

    it('due rows come earliest first up to a limit; cancelling stops pages, not notes', async () => {
      const store = (await connect()).store;
      const { incidentId, escalationId, row } = await escalationOf(store, 1);
      await store.outbox.insert([row(0, 'U1', { kind: 'slack_dm', page: page(incidentId, 0) })], T0 + 300);
      await store.outbox.insert(
        [row(0, 'U2', { kind: 'slack_dm', page: page(incidentId, 0) }), row(null, 'C1', { kind: 'slack_note', text: 'note', ackButton: false })],
        T0 + 100,
      );
      await store.outbox.insert([row(1, 'S0DBA', { kind: 'slack_group', page: page(incidentId, 1) })], T0 + 200);
      expect(await store.outbox.nextAttemptAt()).toBe(T0 + 100);
      expect((await store.outbox.due(T0 + 200, 10)).map((r) => r.target)).toEqual(['U2', 'C1', 'S0DBA']);
      expect((await store.outbox.due(T0 + 1000, 2)).map((r) => r.target)).toEqual(['U2', 'C1']);
      expect(await store.outbox.due(T0 + 99, 10)).toEqual([]);

      const [, , group] = await store.outbox.due(T0 + 1000, 10);
      await store.outbox.claim(group!.id, T0 + 1000, A);
      expect(await store.outbox.cancelPending(escalationId)).toBe(2);
      expect((await store.outbox.ofEscalation(escalationId)).map((r) => [r.target, r.status])).toEqual([
        ['U1', 'cancelled'],
        ['U2', 'cancelled'],
        ['C1', 'pending'],
        ['S0DBA', 'sending'],
      ]);
      expect(await store.outbox.nextAttemptAt()).toBe(T0 + 100);
      expect(await store.outbox.cancelPending(escalationId)).toBe(0);
    });

    it("the next attempt includes the end of a sending row's lease (its sender may have died), and nothing once it is sent", async () => {
      const store = (await connect()).store;
      const { incidentId, row } = await escalationOf(store, 1);
      await store.outbox.insert([row(0, 'U1', { kind: 'slack_dm', page: page(incidentId, 0) })], T0);
      const [due] = await store.outbox.due(T0, 10);
      const token = await store.outbox.claim(due!.id, T0, A);
      // SQLite stamps the lease on the caller's clock (T0 + ttl), PostgreSQL on the database's (now + ttl).
      const next = await store.outbox.nextAttemptAt();
      expect(next).not.toBeNull();
      expect(next!).toBeGreaterThanOrEqual(T0 + A.ttlMs);
      expect(next!).toBeLessThanOrEqual(Math.max(T0, Date.now()) + A.ttlMs + 5_000);
      expect(await store.outbox.markSent(due!.id, token!, T0 + 100, {})).toBe(true);
      expect(await store.outbox.nextAttemptAt()).toBeNull();
    });

    it('replaces a planned page payload', async () => {
      const store = (await connect()).store;
      const { incidentId, escalationId, row } = await escalationOf(store, 1);
      await store.outbox.insert([row(0, 'U1', { kind: 'slack_dm', page: page(incidentId, 0) })], T0);
      const [planned] = await store.outbox.ofEscalation(escalationId);
      const refreshed: OutboxPayload = { kind: 'slack_dm', page: { ...page(incidentId, 0), levelName: 'Primary (refreshed)' }, viaGroup: 'S0DBA' };
      await store.outbox.setPayload(planned!.id, refreshed);
      expect((await store.outbox.get(planned!.id))?.payload).toEqual(refreshed);
    });

    it('two replicas draining the outbox at once send every row exactly once', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const { incidentId, row } = await escalationOf(a, 1);
      await a.outbox.insert(
        [...Array(30).keys()].map((n) => row(n % 2, `U${n}`, { kind: 'slack_dm', page: page(incidentId, n % 2) })),
        T0,
      );
      const drain = async (store: UnitOfWork, name: string) => {
        const sent: number[] = [];
        for (;;) {
          const due = await store.outbox.due(T0, 8);
          if (due.length === 0) return sent;
          for (const r of due) {
            const lease = await store.outbox.claim(r.id, T0, { owner: name, ttlMs: 60_000 });
            if (lease) {
              sent.push(r.id);
              await store.outbox.markSent(r.id, lease, T0, { by: name });
            }
          }
        }
      };
      const [fromA, fromB] = await Promise.all([drain(a, 'a'), drain(b, 'b')]);
      const all = [...fromA, ...fromB];
      expect(all).toHaveLength(30);
      expect(new Set(all).size).toBe(30);
      const rows = await a.outbox.due(T0 + 1, 100);
      expect(rows).toEqual([]);
    });

    it('two replicas claiming the same row at once: exactly one gets it', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const { incidentId, escalationId, row } = await escalationOf(a, 1);
      await a.outbox.insert([row(0, 'U1', { kind: 'slack_dm', page: page(incidentId, 0) })], T0);
      const [only] = await a.outbox.ofEscalation(escalationId);
      const wins = await Promise.all([a.outbox.claim(only!.id, T0 + 1, A), b.outbox.claim(only!.id, T0 + 2, B), b.outbox.claim(only!.id, T0 + 3, B)]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await a.outbox.get(only!.id)).toMatchObject({ status: 'sending', attempts: 1 });
    });

    it('a damaged payload reads as an error, never as a half-filled page', async () => {
      const connection = await connect();
      const store = connection.store;
      const { incidentId, escalationId, row } = await escalationOf(store, 1);
      await store.outbox.insert([row(0, 'U1', { kind: 'slack_dm', page: page(incidentId, 0) })], T0);
      const [planned] = await store.outbox.ofEscalation(escalationId);
      await connection.corrupt('page_outbox', 'payload_json', { column: 'id', value: planned!.id }, '{"kind":"slack_dm","page":{"level":"one"}}');
      await expect(store.outbox.get(planned!.id)).rejects.toThrow();
      await expect(store.outbox.due(T0, 10)).rejects.toThrow();
    });

    it("stores every time as the store's one time type: ISO-8601 UTC text on SQLite, TIMESTAMPTZ on PostgreSQL", async () => {
      const connection = await connect();
      const store = connection.store;
      const { raw } = connection;
      const { incidentId, escalationId, row } = await escalationOf(store, 1);
      await store.outbox.insert([row(0, 'U1', { kind: 'slack_dm', page: page(incidentId, 0) }, T0 - 250)], T0);
      const [planned] = await store.outbox.ofEscalation(escalationId);
      const where = { column: 'id', value: planned!.id };
      const lease = await store.outbox.claim(planned!.id, T0 + 10, A);
      // On PostgreSQL leases run on the database clock: only the column's type is compared there.
      expect(await storedTimes(raw, 'page_outbox', ['due_at', 'next_attempt_at', 'created_at', 'sending_since', 'lease_until'], where)).toEqual({
        due_at: storedTime(raw, T0 - 250),
        next_attempt_at: storedTime(raw, T0),
        created_at: storedTime(raw, T0),
        sending_since: storedTime(raw, T0 + 10),
        lease_until: storedTime(raw, T0 + 10 + A.ttlMs),
      });
      expect(await store.outbox.markSent(planned!.id, lease!, T0 + 20, {})).toBe(true);
      expect(await storedTimes(raw, 'page_outbox', ['sent_at'], where)).toEqual({ sent_at: storedTime(raw, T0 + 20) });
    });
  });
}
