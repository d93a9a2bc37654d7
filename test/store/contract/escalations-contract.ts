import { describe, expect, it } from 'vitest';
import type { ChainSnapshot } from '../../../src/escalation/chain-snapshot';
import { INITIAL_STATE } from '../../../src/escalation/escalation-machine';
import type { NewEscalation } from '../../../src/escalation/escalation-store';
import type { StoreFactory } from './store-factory';
import { storedTime, storedTimes } from './stored-times';
import { openIncident, t0, useContractStore } from './use-contract-store';

const T0 = t0.getTime();

export const contractChain: ChainSnapshot = {
  levels: [
    { name: 'Primary on-call', ackTimeoutMs: 300_000, slackUsers: ['U01PRIMARY'], slackGroups: [] },
    {
      name: 'Database engineer',
      ackTimeoutMs: 600_000,
      slackUsers: [],
      slackGroups: ['S0DBA'],
      pagerdutyKeyEnv: 'PD_ROUTING_KEY',
      webhook: { url: 'https://pager.example.com/hook', tokenEnv: 'HOOK_TOKEN' },
    },
  ],
  repeat: { everyMs: 900_000, times: 2 },
};

export const newEscalation = (incidentId: string, overrides: Partial<NewEscalation> = {}): NewEscalation => ({
  incidentId,
  chain: contractChain,
  state: { ...INITIAL_STATE, nextDueAt: T0 },
  trigger: 'command',
  reasons: ['disk 99% full', 'error rate 2%'],
  originChannel: 'C0ALERTS',
  startedBy: 'U01PRIMARY',
  startedAt: T0,
  ...overrides,
});

/** The escalation store contract: numbering per incident, tokens, due steps in epoch milliseconds. */
export function escalationsContract(factory: StoreFactory): void {
  describe(`escalation store (${factory.name})`, () => {
    const { connect } = useContractStore(factory);

    it('numbers escalations per incident and reads them back the same on another connection (times in ms)', async () => {
      const a = (await connect()).store;
      const incidentId = await openIncident(a, 'stemedb-1', 1);
      const created = await a.escalations.create(
        newEscalation(incidentId, { state: { status: 'active', stepIndex: 1, round: 1, roundStartedAt: T0 - 5, waitingLevel: 0, nextDueAt: T0 + 300_000 } }),
      );
      expect(created).toEqual({
        id: `${incidentId}.e1`,
        incidentId,
        seq: 1,
        chain: contractChain,
        state: { status: 'active', stepIndex: 1, round: 1, roundStartedAt: T0 - 5, waitingLevel: 0, nextDueAt: T0 + 300_000 },
        token: expect.stringMatching(/^[0-9a-f]{16}$/),
        trigger: 'command',
        reasons: ['disk 99% full', 'error rate 2%'],
        originChannel: 'C0ALERTS',
        startedBy: 'U01PRIMARY',
        startedAt: T0,
        ackedBy: null,
        ackedAt: null,
        endedBy: null,
        endedAt: null,
      });
      const b = (await connect()).store.escalations;
      expect(await b.get(created.id)).toEqual(created);
      expect(await b.active(incidentId)).toEqual(created);
      expect(await b.latest(incidentId)).toEqual(created);
      expect(await b.get('inc-none.e1')).toBeUndefined();
      expect(await b.active('inc-none')).toBeUndefined();
      expect(await b.latest('inc-none')).toBeUndefined();

      const token = await b.save(
        created.id,
        { ...created.state, status: 'acked', nextDueAt: null, waitingLevel: null },
        { ackedBy: 'U01PRIMARY', ackedAt: T0 + 42_123 },
      );
      expect(token).toMatch(/^[0-9a-f]{16}$/);
      expect(token).not.toBe(created.token);
      // A later save without `extra` keeps who acknowledged and when.
      const ended = await b.save(
        created.id,
        { ...created.state, status: 'resolved', nextDueAt: null, waitingLevel: null },
        { endedBy: 'U02OTHER', endedAt: T0 + 60_000 },
      );
      expect(await a.escalations.get(created.id)).toMatchObject({
        token: ended,
        state: { status: 'resolved', nextDueAt: null, waitingLevel: null },
        ackedBy: 'U01PRIMARY',
        ackedAt: T0 + 42_123,
        endedBy: 'U02OTHER',
        endedAt: T0 + 60_000,
      });
      expect(await a.escalations.active(incidentId)).toBeUndefined();

      const second = await b.create(newEscalation(incidentId, { trigger: 'alert', reasons: [], originChannel: null, startedAt: T0 + 120_000 }));
      expect(second).toMatchObject({ id: `${incidentId}.e2`, seq: 2, trigger: 'alert', reasons: [], originChannel: null, startedAt: T0 + 120_000 });
      expect((await a.escalations.latest(incidentId))?.id).toBe(second.id);
      expect((await a.escalations.ofIncident(incidentId)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('lists active escalations and the due ones with their tokens, earliest first', async () => {
      const store = (await connect()).store;
      const ids: string[] = [];
      for (const [n, due] of [
        [1, T0 + 3000],
        [2, T0 + 1000],
        [3, null],
        [4, T0 + 2000],
      ] as const) {
        const incidentId = await openIncident(store, `stemedb-${n}`, n);
        const e = await store.escalations.create(newEscalation(incidentId, { state: { ...INITIAL_STATE, nextDueAt: due }, startedAt: T0 + n }));
        ids.push(e.id);
      }
      const fourth = await store.escalations.get(ids[3]!);
      await store.escalations.save(ids[3]!, { ...fourth!.state, status: 'acked' });
      expect((await store.escalations.listActive()).map((e) => e.id)).toEqual([ids[0], ids[1], ids[2]]);
      expect(await store.escalations.nextDueAt()).toBe(T0 + 1000);
      expect(await store.escalations.due(T0 + 999)).toEqual([]);
      const due = await store.escalations.due(T0 + 3000);
      expect(due.map((d) => d.id)).toEqual([ids[1], ids[0]]);
      expect(due[0]!.token).toBe((await store.escalations.get(ids[1]!))!.token);
      for (const id of [ids[0]!, ids[1]!, ids[2]!]) {
        const e = await store.escalations.get(id);
        await store.escalations.save(id, { ...e!.state, status: 'exhausted', nextDueAt: null });
      }
      expect(await store.escalations.nextDueAt()).toBeNull();
      expect(await store.escalations.listActive()).toEqual([]);
    });

    it('two replicas starting an escalation of one incident at once: one active row, the other refused', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const incidentId = await openIncident(a, 'stemedb-1', 1);
      const results = await Promise.allSettled([
        a.escalations.create(newEscalation(incidentId)),
        b.escalations.create(newEscalation(incidentId, { startedBy: 'U02OTHER' })),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(await b.escalations.ofIncident(incidentId)).toHaveLength(1);
      expect((await a.escalations.active(incidentId))?.seq).toBe(1);
    });

    it('a damaged chain or reasons column reads as an error, never as a half-filled escalation', async () => {
      const connection = await connect();
      const store = connection.store;
      const one = await store.escalations.create(newEscalation(await openIncident(store, 'stemedb-1', 1)));
      const two = await store.escalations.create(newEscalation(await openIncident(store, 'stemedb-2', 2)));
      await connection.corrupt('escalations', 'chain_json', { column: 'id', value: one.id }, '{"levels":[]}');
      await connection.corrupt('escalations', 'reasons_json', { column: 'id', value: two.id }, '[1, 2]');
      await expect(store.escalations.get(one.id)).rejects.toThrow();
      await expect(store.escalations.active(two.incidentId)).rejects.toThrow();
      await expect(store.escalations.listActive()).rejects.toThrow();
    });

    it("stores every time as the store's one time type: ISO-8601 UTC text on SQLite, TIMESTAMPTZ on PostgreSQL", async () => {
      const connection = await connect();
      const store = connection.store;
      const incidentId = await openIncident(store, 'stemedb-1', 1);
      const created = await store.escalations.create(
        newEscalation(incidentId, { state: { status: 'active', stepIndex: 1, round: 1, roundStartedAt: T0 - 5, waitingLevel: 0, nextDueAt: T0 + 300_123 } }),
      );
      await store.escalations.save(created.id, created.state, { ackedBy: 'U01PRIMARY', ackedAt: T0 + 42_123, endedBy: 'U01PRIMARY', endedAt: T0 + 60_001 });
      const { raw } = connection;
      expect(
        await storedTimes(raw, 'escalations', ['round_started_at', 'next_due_at', 'started_at', 'acked_at', 'ended_at'], { column: 'id', value: created.id }),
      ).toEqual({
        round_started_at: storedTime(raw, T0 - 5),
        next_due_at: storedTime(raw, T0 + 300_123),
        started_at: storedTime(raw, T0),
        acked_at: storedTime(raw, T0 + 42_123),
        ended_at: storedTime(raw, T0 + 60_001),
      });
    });
  });
}
