import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../../src/timeline/timeline-events';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/** The timeline repository contract: validated, de-duplicated appends; listeners inside the append's transaction. */
export function timelineContract(factory: StoreFactory): void {
  describe(`timeline (${factory.name})`, () => {
    const { connect } = contractStore(factory);
    const incident = async (store: Awaited<ReturnType<typeof connect>>['store'], node = 'stemedb-1') =>
      (await store.incidents.openOrGet({ node, title: 't', source: 'manual' }, t0)).incident.id;

    it('appends typed entries in order; unknown kinds are kept as unknown; another connection lists the same', async () => {
      const a = await connect();
      const id = await incident(a.store);
      const fired = await a.store.timeline.append(
        id,
        'alert_fired',
        at(1000),
        { startsAt: '2026-11-29T11:55:00Z', alertname: 'A', severity: null, fingerprint: 'f', extra: [1, 2] },
        { actor: 'alertmanager' },
      );
      expect(fired).toEqual({
        id: expect.any(Number),
        incidentId: id,
        at: '2026-11-29T12:00:01.000Z',
        actor: 'alertmanager',
        known: true,
        kind: 'alert_fired',
        detail: { startsAt: '2026-11-29T11:55:00Z', alertname: 'A', severity: null, fingerprint: 'f', extra: [1, 2] },
      });
      const custom = await a.store.timeline.append(id, 'pending_action', at(2000), { any: 'thing' });
      expect(custom).toMatchObject({ known: false, kind: 'pending_action', actor: null, detail: { any: 'thing' } });
      // `paged` fills its default channel: what is stored is the validated detail.
      const paged = await a.store.timeline.append(id, 'paged', at(3000), { userIds: ['U1'], level: 0 });
      expect(paged).toMatchObject({ known: true, detail: { userIds: ['U1'], level: 0, channel: 'slack_dm' } });
      const listed = await (await connect()).store.timeline.list(id);
      expect(listed.map((e) => e.kind)).toEqual(['opened', 'alert_fired', 'pending_action', 'paged']);
      expect(listed.slice(1)).toEqual([fired, custom, paged]);
      expect(fired!.id).toBeLessThan(custom!.id);
      expect(await a.store.timeline.list('inc-none')).toEqual([]);
    });

    it('refuses a known kind with bad detail and an unknown incident, and writes nothing', async () => {
      const { store } = await connect();
      const id = await incident(store);
      await expect(store.timeline.append(id, 'acked', at(1), { level: 'two' })).rejects.toThrow(/escalationId|level/);
      await expect(store.timeline.append('inc-none', 'note', at(1), { text: 'x', via: 'command' })).rejects.toThrow();
      expect((await store.timeline.list(id)).map((e) => e.kind)).toEqual(['opened']);
    });

    it('records an event with the same dedupe key once per incident, also from two connections at once', async () => {
      const a = await connect();
      const b = await connect();
      const one = await incident(a.store, 'stemedb-1');
      const two = await incident(a.store, 'stemedb-2');
      const note = { text: 'x', via: 'shortcut', messageTs: '1.2' };
      expect(await a.store.timeline.append(one, 'note', at(1), note, { actor: 'U1', dedupeKey: 'note:1.2' })).toBeDefined();
      expect(await a.store.timeline.append(one, 'note', at(2), note, { actor: 'U1', dedupeKey: 'note:1.2' })).toBeUndefined();
      expect(await a.store.timeline.append(two, 'note', at(3), note, { actor: 'U1', dedupeKey: 'note:1.2' })).toBeDefined();
      const raced = await Promise.all([
        a.store.timeline.append(one, 'note', at(4), note, { dedupeKey: 'note:9.9' }),
        b.store.timeline.append(one, 'note', at(5), note, { dedupeKey: 'note:9.9' }),
        b.store.timeline.append(one, 'note', at(6), note, { dedupeKey: 'note:9.9' }),
      ]);
      expect(raced.filter((e) => e !== undefined)).toHaveLength(1);
      // Events without a key are never de-duplicated.
      await a.store.timeline.append(one, 'note', at(7), note);
      await b.store.timeline.append(one, 'note', at(7), note);
      expect((await a.store.timeline.list(one)).filter((e) => e.kind === 'note')).toHaveLength(4);
      expect((await a.store.timeline.list(two)).filter((e) => e.kind === 'note')).toHaveLength(1);
    });

    it('calls listeners after the insert with the stored entry, not for a duplicate; a throwing listener rolls the change back', async () => {
      const { store } = await connect();
      const id = await incident(store);
      const heard: TimelineEntry[] = [];
      store.timeline.onAppend((entry) => void heard.push(entry));
      const appended = await store.timeline.append(id, 'note', at(1), { text: 'x', via: 'command' }, { dedupeKey: 'k' });
      await store.timeline.append(id, 'note', at(2), { text: 'x', via: 'command' }, { dedupeKey: 'k' });
      // Events the incident store appends reach the same listeners.
      await store.incidents.addEvent(id, 'silenced', at(3), 'U1', { silenceId: 's1', endsAt: at(3_600_000).toISOString() });
      expect(heard).toEqual([appended, expect.objectContaining({ kind: 'silenced', actor: 'U1', at: at(3).toISOString() })]);
      expect((await store.timeline.list(id)).slice(1)).toEqual(heard);
      store.timeline.onAppend((entry) => {
        if (entry.kind === 'resolved') throw new Error('disk full');
      });
      await expect(store.incidents.resolve(id, at(10), 'U1')).rejects.toThrow('disk full');
      expect(await store.incidents.get(id)).toMatchObject({ status: 'open' });
      expect((await store.timeline.list(id)).map((e) => e.kind)).toEqual(['opened', 'note', 'silenced']);
    });

    it('a stored detail that no longer fits its kind reads as unknown; one that is not an object is an error', async () => {
      const connection = await connect();
      const { timeline } = connection.store;
      const id = await incident(connection.store);
      const refired = await timeline.append(id, 'alert_refired', at(1), { startsAt: '2026-11-29T11:00:00Z' });
      await connection.corrupt('incident_events', 'detail_json', { column: 'id', value: refired!.id }, '{"startsAt": 5}');
      expect((await timeline.list(id))[1]).toEqual({
        id: refired!.id,
        incidentId: id,
        at: at(1).toISOString(),
        actor: null,
        known: false,
        kind: 'alert_refired',
        detail: { startsAt: 5 },
      });
      await connection.corrupt('incident_events', 'detail_json', { column: 'id', value: refired!.id }, '{"startsAt": 5');
      await expect(timeline.list(id)).rejects.toThrow();
    });
  });
}
