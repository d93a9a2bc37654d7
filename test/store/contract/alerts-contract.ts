import { describe, expect, it } from 'vitest';
import type { StoredAlert } from '../../../src/alerts/alert-store';
import type { StoreFactory } from './store-factory';
import { at, openIncident, t0, useContractStore } from './use-contract-store';

const firing = (labels: Record<string, string> = {}): StoredAlert => ({
  status: 'firing',
  labels: { alertname: 'HighStorageErrorRate', node: 'stemedb-1', severity: 'critical', ...labels },
  annotations: { summary: 'Storage operation errors above 1% on stemedb-1' },
  startsAt: '2026-11-29T11:59:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.example.com:9090/graph',
});

/** The alert store contract: threads, storm summaries, the diagnosis claims two replicas race for. */
export function alertsContract(factory: StoreFactory): void {
  describe(`alert store (${factory.name})`, () => {
    const { connect } = useContractStore(factory);

    it('stores a thread and reads it back the same on another connection: ISO times, booleans, patches', async () => {
      const first = (await connect()).store;
      const id = await openIncident(first, 'stemedb-1', 1);
      await first.alerts.addThread({ incidentId: id, nodeLabel: 'stemedb-1', alert: firing(), summaryId: null, diagState: 'wanted' }, t0);
      const other = (await connect()).store.alerts;
      expect(await other.thread(id)).toEqual({
        incidentId: id,
        nodeLabel: 'stemedb-1',
        alert: firing(),
        createdAt: '2026-11-29T12:00:00.000Z',
        lastSeenAt: '2026-11-29T12:00:00.000Z',
        repeats: 0,
        summaryId: null,
        diagState: 'wanted',
        diagTs: null,
        headerHash: null,
        resolvedTs: null,
        escalationClosed: false,
      });
      await other.update(id, { diagTs: '1764417600.000100', headerHash: 'h1', escalationClosed: true, resolvedTs: undefined });
      await other.update(id, {});
      expect(await first.alerts.thread(id)).toMatchObject({
        diagTs: '1764417600.000100',
        headerHash: 'h1',
        escalationClosed: true,
        resolvedTs: null,
        diagState: 'wanted',
      });
      expect(await first.alerts.thread('inc-unknown')).toBeUndefined();
    });

    it('a re-sent copy counts as a repeat; only a content change (not timestamps) says changed', async () => {
      const store = (await connect()).store;
      const id = await openIncident(store, 'stemedb-1', 1);
      await store.alerts.addThread({ incidentId: id, nodeLabel: 'stemedb-1', alert: firing(), summaryId: null, diagState: 'wanted' }, t0);
      expect(await store.alerts.touchThread(id, { ...firing(), startsAt: '2026-11-29T11:59:30Z', endsAt: '2026-11-29T12:05:00Z' }, at(30_000))).toBe(false);
      expect(await store.alerts.thread(id)).toMatchObject({
        repeats: 1,
        lastSeenAt: '2026-11-29T12:00:30.000Z',
        createdAt: '2026-11-29T12:00:00.000Z',
        alert: { endsAt: '2026-11-29T12:05:00Z' },
      });
      expect(await store.alerts.touchThread(id, firing({ severity: 'warning' }), at(60_000))).toBe(true);
      expect(await store.alerts.touchThread(id, { ...firing({ severity: 'warning' }), status: 'resolved' }, at(90_000))).toBe(true);
      expect(await store.alerts.thread(id)).toMatchObject({ repeats: 3, alert: { status: 'resolved', labels: { severity: 'warning' } } });
      // No thread yet (its first copy is being recorded elsewhere): treated as changed.
      expect(await store.alerts.touchThread('inc-unknown', firing(), at(1))).toBe(true);
    });

    it('two replicas moving the diagnosis state at once: exactly one wins', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const id = await openIncident(a, 'stemedb-1', 1);
      await a.alerts.addThread({ incidentId: id, nodeLabel: 'stemedb-1', alert: firing(), summaryId: null, diagState: 'wanted' }, t0);
      const wins = await Promise.all([a.alerts.casDiagState(id, ['wanted'], 'posting'), b.alerts.casDiagState(id, ['wanted', 'none'], 'posting')]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await b.alerts.casDiagState(id, ['wanted'], 'awaiting')).toBe(false);
      expect(await b.alerts.casDiagState(id, ['posting'], 'awaiting')).toBe(true);
      expect((await a.alerts.thread(id))?.diagState).toBe('awaiting');
    });

    it("claims a node's awaiting threads (resolved ones too) once across two replicas; a takeover releases a job's claims", async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const ids: string[] = [];
      for (let n = 1; n <= 6; n++) {
        const id = await openIncident(a, n <= 5 ? 'stemedb-1' : 'stemedb-2', n, at(n * 1000));
        await a.alerts.addThread(
          { incidentId: id, nodeLabel: 'x', alert: firing(), summaryId: null, diagState: n === 4 ? 'posting' : n === 5 ? 'done' : 'awaiting' },
          at(n * 1000),
        );
        ids.push(id);
      }
      await a.incidents.resolve(ids[1]!, at(10_000), 'alertmanager');
      expect((await a.alerts.openThreadsOfNode('stemedb-1', ['awaiting', 'posting'])).map((t) => t.incidentId)).toEqual([ids[0], ids[2], ids[3]]);

      const [one, two] = await Promise.all([a.alerts.claimForDiagnosis('stemedb-1'), b.alerts.claimForDiagnosis('stemedb-1')]);
      const claimed = [...one!, ...two!].map((t) => t.incidentId);
      expect(claimed.sort()).toEqual([ids[0], ids[1], ids[2]].sort());
      // Each replica gets its claim oldest first, as the threads were found.
      for (const batch of [one!, two!]) {
        expect(batch.map((t) => t.createdAt)).toEqual([...batch.map((t) => t.createdAt)].sort());
        expect(batch.every((t) => t.diagState === 'awaiting')).toBe(true);
      }
      expect((await a.alerts.openThreadsOfNode('stemedb-1', ['running'])).map((t) => t.incidentId)).toEqual([ids[0], ids[2]]);
      expect(await b.alerts.claimForDiagnosis('stemedb-1')).toEqual([]);
      expect((await b.alerts.thread(ids[5]!))?.diagState).toBe('awaiting');

      // A job taken over from a dead holder releases only what that job held: its node's claims, its incident's post.
      const c = (await connect()).store;
      const states = () => Promise.all(ids.map(async (id) => (await b.alerts.thread(id))?.diagState));
      await c.alerts.resetInterruptedDiagnosis('stemedb-2');
      await c.alerts.resetInterruptedPost(ids[0]!);
      expect(await states()).toEqual(['running', 'running', 'running', 'posting', 'done', 'awaiting']);
      await c.alerts.resetInterruptedDiagnosis('stemedb-1');
      await c.alerts.resetInterruptedPost(ids[3]!);
      expect(await states()).toEqual(['awaiting', 'awaiting', 'awaiting', 'wanted', 'done', 'awaiting']);
    });

    it('a storm summary collects members while active, then a new one starts; counts threads since a time', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      const first = await a.alerts.summaryFor('HighStorageErrorRate', 'C1', t0, at(-120_000));
      expect(first).toEqual({
        id: first.id,
        alertname: 'HighStorageErrorRate',
        channel: 'C1',
        ts: null,
        hash: null,
        createdAt: '2026-11-29T12:00:00.000Z',
        lastAddedAt: '2026-11-29T12:00:00.000Z',
      });
      expect(typeof first.id).toBe('number');
      const again = await b.alerts.summaryFor('HighStorageErrorRate', 'C1', at(60_000), at(-60_000));
      expect(again).toMatchObject({ id: first.id, createdAt: '2026-11-29T12:00:00.000Z', lastAddedAt: '2026-11-29T12:01:00.000Z' });
      // Within SUMMARY_REFRESH_MS of the stored time, another member does not rewrite the row.
      expect(await b.alerts.summaryFor('HighStorageErrorRate', 'C1', at(65_000), at(-60_000))).toMatchObject({ id: first.id });
      expect(await a.alerts.summary(first.id)).toMatchObject({ lastAddedAt: '2026-11-29T12:01:00.000Z' });
      expect((await b.alerts.summaryFor('HighStorageErrorRate', 'C2', at(60_000), at(-60_000))).id).not.toBe(first.id);
      const later = await a.alerts.summaryFor('HighStorageErrorRate', 'C1', at(400_000), at(280_000));
      expect(later.id).not.toBe(first.id);

      await a.alerts.setSummaryMessage(first.id, '1764417600.000200', null);
      await b.alerts.setSummaryHash(first.id, 'hash-2');
      expect(await a.alerts.summary(first.id)).toMatchObject({ ts: '1764417600.000200', hash: 'hash-2', lastAddedAt: '2026-11-29T12:01:00.000Z' });
      expect(await a.alerts.summary(987_654)).toBeUndefined();

      for (const n of [2, 1, 3]) {
        const id = await openIncident(a, `stemedb-${n}`, n, at(n * 1000));
        await a.alerts.addThread(
          { incidentId: id, nodeLabel: `stemedb-${n}`, alert: firing(), summaryId: n === 3 ? later.id : first.id, diagState: 'shared' },
          at(n * 1000),
        );
      }
      expect((await b.alerts.summaryMembers(first.id)).map((t) => t.nodeLabel)).toEqual(['stemedb-1', 'stemedb-2']);
      expect((await b.alerts.summaryMembers(first.id))[0]).toMatchObject({ summaryId: first.id, diagState: 'shared' });
      expect(await b.alerts.createdSince(at(2000))).toBe(2);
      expect(await b.alerts.createdSince(at(3001))).toBe(0);
    });

    it('a damaged alert copy reads as an error, never as a half-filled thread', async () => {
      const connection = await connect();
      const store = connection.store;
      const id = await openIncident(store, 'stemedb-1', 1);
      await store.alerts.addThread({ incidentId: id, nodeLabel: 'stemedb-1', alert: firing(), summaryId: null, diagState: 'awaiting' }, t0);
      await connection.corrupt('alert_threads', 'alert_json', { column: 'incident_id', value: id }, '{"status":"maybe","labels":{"node":7}}');
      await expect(store.alerts.thread(id)).rejects.toThrow();
      await expect(store.alerts.openThreadsOfNode('stemedb-1', ['awaiting'])).rejects.toThrow();
    });
  });
}
