import { describe, expect, it } from 'vitest';
import type { NewIncident } from '../../../src/incidents/incident-store';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const alert = (node: string | null, fingerprint: string, over: Partial<NewIncident> = {}): NewIncident => ({
  node,
  title: `HighStorageErrorRate on ${node}`,
  source: 'alert',
  severity: 'critical',
  alertname: 'HighStorageErrorRate',
  fingerprint,
  episode: '2026-11-29T11:58:00Z',
  labels: { alertname: 'HighStorageErrorRate', instance: node ?? 'unknown', severity: 'critical' },
  annotations: { summary: 'errors' },
  problem: 'HighStorageErrorRate',
  ...over,
});
const manual = (node: string): NewIncident => ({ node, title: `Escalation: ${node}`, source: 'manual' });

/** The incident repository contract: one open incident per node and problem, alerts joining, resolves, reads. */
export function incidentsContract(factory: StoreFactory): void {
  describe(`incidents (${factory.name})`, () => {
    const { connect } = contractStore(factory);

    it('opens an incident with the same shape on every store, and another connection reads it back', async () => {
      const repo = (await connect()).store.incidents;
      const opened = await repo.openOrGet(manual('stemedb-1'), t0);
      expect(opened).toMatchObject({ created: true, joined: false });
      expect(opened.incident.id).toMatch(/^inc-[0-9a-f]{10}$/);
      expect(opened.incident).toEqual({
        id: opened.incident.id,
        node: 'stemedb-1',
        title: 'Escalation: stemedb-1',
        source: 'manual',
        status: 'open',
        severity: null,
        alertname: null,
        fingerprint: null,
        episode: null,
        labels: {},
        annotations: {},
        channel: null,
        threadTs: null,
        openedAt: '2026-11-29T12:00:00.000Z',
        resolvedAt: null,
        resolvedBy: null,
        lastDiagnosis: null,
        problem: 'node',
      });
      const other = (await connect()).store.incidents;
      expect(await other.get(opened.incident.id)).toEqual(opened.incident);
      expect(await other.events(opened.incident.id)).toEqual([
        { id: expect.any(Number), incidentId: opened.incident.id, at: '2026-11-29T12:00:00.000Z', kind: 'opened', actor: null, detail: { source: 'manual' } },
      ]);
      expect(await other.get('inc-0000000000')).toBeUndefined();
      // Two problems of one webhook share a timestamp: the one opened last is the node's most recent.
      const disk = await other.openOrGet(alert('stemedb-9', 'fp-d', { problem: 'DiskFull' }), t0);
      const errors = await repo.openOrGet(alert('stemedb-9', 'fp-e', { problem: 'Errors' }), t0);
      expect((await repo.openOfNode('stemedb-9')).map((i) => i.id)).toEqual([errors.incident.id, disk.incident.id]);
      expect((await other.openForNode('stemedb-9'))?.id).toBe(errors.incident.id);
      // A request without a node has no problem key and never joins anything.
      const nodeless = await other.openOrGet({ node: null, title: 'x', source: 'manual' }, t0);
      expect(nodeless).toMatchObject({ created: true, incident: { node: null, problem: null } });
    });

    it('two transactions opening the same nodes in opposite orders, each locking them first, both commit', async () => {
      const a = (await connect()).store;
      // SQLite is one process per file: its transactions queue on the one connection's gate.
      const b = factory.name === 'SQLite' ? a : (await connect()).store;
      const open = (store: typeof a, nodes: string[], tag: string) =>
        store.withTx(async (tx) => {
          await tx.incidents.lockForOpen(nodes.map((node, i) => ({ node, fingerprint: `fp-${tag}-${i}`, episode: 'e1' })));
          for (const [i, node] of nodes.entries()) {
            await tx.incidents.openOrGet(alert(node, `fp-${tag}-${i}`, { problem: `P-${tag}` }), t0);
            await new Promise((r) => setTimeout(r, 20)); // the other transaction takes its first node meanwhile
          }
        });
      await Promise.all([open(a, ['stemedb-1', 'stemedb-2'], 'a'), open(b, ['stemedb-2', 'stemedb-1'], 'b')]);
      expect(await a.incidents.openOfNode('stemedb-1')).toHaveLength(2);
      expect(await a.incidents.openOfNode('stemedb-2')).toHaveLength(2);
    });

    it('the same alert episode gets the same incident; a new episode of the same problem joins the open one', async () => {
      const a = (await connect()).store.incidents;
      const b = (await connect()).store.incidents;
      const first = await a.openOrGet(alert('stemedb-1', 'fp-1'), t0);
      expect(first).toMatchObject({
        created: true,
        joined: false,
        incident: { fingerprint: 'fp-1', labels: { instance: 'stemedb-1' }, annotations: { summary: 'errors' }, severity: 'critical' },
      });
      expect(await b.openOrGet(alert('stemedb-1', 'fp-1'), at(1000))).toEqual({ incident: first.incident, created: false, joined: false });
      const refire = await b.openOrGet(alert('stemedb-1', 'fp-1', { episode: '2026-11-29T12:30:00Z' }), at(2000));
      expect(refire).toMatchObject({ created: false, joined: true, incident: { id: first.incident.id } });
      // A different problem on the same node is an incident of its own.
      const disk = await a.openOrGet(alert('stemedb-1', 'fp-2', { alertname: 'DiskFull', problem: 'DiskFull{device=sdb}' }), at(3000));
      expect(disk.created).toBe(true);
      expect((await a.openOfNode('stemedb-1')).map((i) => i.id)).toEqual([disk.incident.id, first.incident.id]);
      expect((await a.events(first.incident.id)).map((e) => [e.kind, e.detail])).toEqual([
        ['opened', { source: 'alert' }],
        ['alert_joined', { fingerprint: 'fp-1', alertname: 'HighStorageErrorRate', adopted: false }],
      ]);
    });

    it("an alert adopts the node's incident no alert has yet; a request without an alert joins the node's", async () => {
      const repo = (await connect()).store.incidents;
      const opened = await repo.openOrGet(manual('stemedb-2'), t0);
      const adopted = await repo.openOrGet(alert('stemedb-2', 'fp-9', { severity: null }), at(5000));
      expect(adopted).toMatchObject({ created: false, joined: true });
      expect(adopted.incident).toMatchObject({
        id: opened.incident.id,
        source: 'manual',
        fingerprint: 'fp-9',
        episode: '2026-11-29T11:58:00Z',
        alertname: 'HighStorageErrorRate',
        title: 'HighStorageErrorRate on stemedb-2',
        problem: 'HighStorageErrorRate',
        labels: { alertname: 'HighStorageErrorRate', instance: 'stemedb-2', severity: 'critical' },
        openedAt: '2026-11-29T12:00:00.000Z',
        severity: null,
      });
      expect((await repo.events(opened.incident.id)).at(-1)).toMatchObject({
        kind: 'alert_joined',
        actor: 'alertmanager',
        at: at(5000).toISOString(),
        detail: { fingerprint: 'fp-9', adopted: true },
      });
      expect(await repo.openOrGet(manual('stemedb-2'), at(6000))).toMatchObject({ created: false, joined: true, incident: { id: opened.incident.id } });
      expect(await repo.openForFingerprint('fp-9')).toMatchObject({ id: opened.incident.id });
    });

    it('resolving alerts counts the others still firing; resolving the incident frees the node', async () => {
      const repo = (await connect()).store.incidents;
      const first = await repo.openOrGet(alert('stemedb-3', 'fp-a'), t0);
      await repo.openOrGet(alert('stemedb-3', 'fp-b', { episode: 'e-b' }), at(1000));
      expect(await repo.resolveAlert('fp-a', at(2000))).toMatchObject({ incident: { id: first.incident.id, status: 'open' }, othersFiring: 1 });
      expect(await repo.resolveAlert('fp-b', at(3000))).toMatchObject({ othersFiring: 0 });
      expect(await repo.resolveAlert('fp-unknown', at(3000))).toBeUndefined();
      expect(await repo.resolve(first.incident.id, at(4000), 'alertmanager')).toBe(true);
      expect(await repo.resolve(first.incident.id, at(5000), 'U1')).toBe(false);
      expect(await repo.get(first.incident.id)).toMatchObject({ status: 'resolved', resolvedAt: at(4000).toISOString(), resolvedBy: 'alertmanager' });
      expect((await repo.events(first.incident.id)).filter((e) => e.kind === 'resolved')).toEqual([
        { id: expect.any(Number), incidentId: first.incident.id, at: at(4000).toISOString(), kind: 'resolved', actor: 'alertmanager', detail: {} },
      ]);
      expect(await repo.openForNode('stemedb-3')).toBeUndefined();
      expect(await repo.openForFingerprint('fp-a')).toBeUndefined();
      expect(await repo.resolveAlert('fp-a', at(6000))).toBeUndefined();
      // The same episode stays the old incident's (a late duplicate); a new episode opens a new one.
      expect(await repo.openOrGet(alert('stemedb-3', 'fp-a'), at(7000))).toMatchObject({
        created: false,
        incident: { id: first.incident.id, status: 'resolved' },
      });
      expect(await repo.openOrGet(alert('stemedb-3', 'fp-a', { episode: 'e-2' }), at(8000))).toMatchObject({ created: true });
    });

    it('reads: by node, channel, fingerprint, open list, history; thread round-trip (its diagnosis: diagnoses-contract)', async () => {
      const repo = (await connect()).store.incidents;
      const older = (await repo.openOrGet(alert('stemedb-4', 'fp-old', { episode: 'e-old' }), at(-86_400_000))).incident;
      await repo.resolve(older.id, at(-80_000_000), 'U1');
      const a = (await repo.openOrGet(alert('stemedb-4', 'fp-4'), t0)).incident;
      const b = (await repo.openOrGet(manual('stemedb-5'), at(1000))).incident;
      await repo.setThread(a.id, 'C0ALERTS', '1764417600.000100');
      expect(await repo.get(a.id)).toMatchObject({ channel: 'C0ALERTS', threadTs: '1764417600.000100', lastDiagnosis: null });
      expect(await repo.openForChannel('C0ALERTS')).toMatchObject({ id: a.id });
      expect(await repo.openForChannel('C0OTHER')).toBeUndefined();
      expect(await repo.openForNode('stemedb-5')).toMatchObject({ id: b.id });
      expect((await repo.listOpen()).map((i) => i.id)).toEqual([a.id, b.id]);
      expect((await repo.history('stemedb-4', 'HighStorageErrorRate', at(-2 * 86_400_000), a.id)).map((i) => i.id)).toEqual([older.id]);
      expect((await repo.history('stemedb-4', 'HighStorageErrorRate', at(-2 * 86_400_000))).map((i) => i.id)).toEqual([a.id, older.id]);
      expect(await repo.history('stemedb-4', 'HighStorageErrorRate', at(-3_600_000), a.id)).toEqual([]);
    });

    it('two connections opening incidents for the same nodes at once give one per node, with the alert on it', async () => {
      const a = (await connect()).store.incidents;
      const b = (await connect()).store.incidents;
      const nodes = Array.from({ length: 12 }, (_, i) => `stemedb-${i}`);
      const results = await Promise.all(
        nodes.flatMap((node, i) => [a.openOrGet(alert(node, `fp-${i}`), at(i)), b.openOrGet(manual(node), at(i)), b.openOrGet(alert(node, `fp-${i}`), at(i))]),
      );
      expect(results.filter((r) => r.created)).toHaveLength(nodes.length);
      for (const [i, node] of nodes.entries()) {
        const open = await a.openOfNode(node);
        expect(open).toHaveLength(1);
        expect(open[0]).toMatchObject({ fingerprint: `fp-${i}`, alertname: 'HighStorageErrorRate' });
        // Both arrivals of the same alert name the same incident.
        expect(new Set(results.slice(i * 3, i * 3 + 3).map((r) => r.incident.id))).toEqual(new Set([open[0]!.id]));
      }
    });

    it("two connections resolving an incident's last two alerts at once: exactly one sees none left firing", async () => {
      const a = (await connect()).store.incidents;
      const b = (await connect()).store.incidents;
      for (let round = 0; round < 5; round++) {
        const node = `stemedb-${round}`;
        await a.openOrGet(alert(node, `fp-x${round}`), t0);
        await a.openOrGet(alert(node, `fp-y${round}`, { episode: 'e-y' }), at(1));
        const results = await Promise.all([a.resolveAlert(`fp-x${round}`, at(2)), b.resolveAlert(`fp-y${round}`, at(2))]);
        expect(results.map((r) => r?.othersFiring).sort()).toEqual([0, 1]);
      }
    });

    it('an id collision is retried with a fresh id, also between two connections', async () => {
      const ids = ['inc-same', 'inc-same', 'inc-same', 'inc-other'];
      const repo = (await connect({ newIncidentId: () => ids.shift()! })).store.incidents;
      const first = await repo.openOrGet({ node: null, title: 'a', source: 'manual' }, t0);
      const second = await repo.openOrGet({ node: null, title: 'b', source: 'manual' }, t0);
      expect([first.incident.id, second.incident.id]).toEqual(['inc-same', 'inc-other']);
      expect((await repo.events('inc-other')).map((e) => e.kind)).toEqual(['opened']);
      // Each connection's first id is the same: one insert wins, the other retries with its next id.
      const racer = (tag: string) => {
        let calls = 0;
        return () => (++calls === 1 ? 'inc-race' : `inc-${tag}${calls}`);
      };
      const a = (await connect({ newIncidentId: racer('a') })).store.incidents;
      const b = (await connect({ newIncidentId: racer('b') })).store.incidents;
      const raced = await Promise.all([a.openOrGet(manual('stemedb-7'), t0), b.openOrGet(manual('stemedb-8'), t0)]);
      const raceIds = raced.map((r) => r.incident.id);
      expect(new Set(raceIds).size).toBe(2);
      expect(raceIds).toContain('inc-race');
      expect((await a.events(raceIds.find((id) => id !== 'inc-race')!)).map((e) => e.kind)).toEqual(['opened']);
    });

    it('timeline writes share the transaction: bad detail throws, a failing resolve rolls back, a dedupe key records once', async () => {
      const connection = await connect();
      const { incidents } = connection.store;
      const { incident } = await incidents.openOrGet(manual('stemedb-1'), t0);
      await expect(incidents.addEvent(incident.id, 'acked', at(1), 'U1', { level: 'two' })).rejects.toThrow(/escalationId|level/);
      for (let i = 0; i < 2; i++) await incidents.addEvent(incident.id, 'note', at(2 + i), 'U1', { text: 'x', via: 'shortcut', messageTs: '1.2' }, 'note:1.2');
      await expect(
        connection.store.withTx(async (tx) => {
          expect(await tx.incidents.resolve(incident.id, at(10), 'U1')).toBe(true);
          throw new Error('slack down');
        }),
      ).rejects.toThrow('slack down');
      expect(await incidents.get(incident.id)).toMatchObject({ status: 'open', resolvedAt: null });
      expect((await incidents.events(incident.id)).map((e) => e.kind)).toEqual(['opened', 'note']);
    });

    it('a damaged row is an error, never a half-incident', async () => {
      const connection = await connect();
      const repo = connection.store.incidents;
      const { incident } = await repo.openOrGet(alert('stemedb-1', 'fp-1'), t0);
      await connection.corrupt('incidents', 'labels_json', { column: 'id', value: incident.id }, '{"instance": [1, 2');
      await expect(repo.get(incident.id)).rejects.toThrow();
      await expect(repo.openForNode('stemedb-1')).rejects.toThrow();
    });

    it('finds an incident by its thread, counts incidents for stats, and prunes resolved ones with what they recorded', async () => {
      const repo = (await connect()).store.incidents;
      const old = (await repo.openOrGet(alert('stemedb-1', 'fp-old'), t0)).incident;
      await repo.setThread(old.id, 'C1', '1700000000.000100');
      await repo.addEvent(old.id, 'acked', at(60_000), 'U1', { escalationId: `${old.id}.e1`, level: 1, round: 1 });
      await repo.resolve(old.id, at(120_000), 'U1');
      const recent = (await repo.openOrGet(manual('stemedb-2'), at(86_400_000))).incident;
      const other = (await connect()).store.incidents;
      expect((await other.ofThread('C1', '1700000000.000100'))?.id).toBe(old.id);
      expect(await other.ofThread('C1', '1700000000.999999')).toBeUndefined();
      expect(await other.statsSince(t0)).toEqual([
        {
          id: old.id,
          node: 'stemedb-1',
          openedAt: '2026-11-29T12:00:00.000Z',
          resolvedAt: '2026-11-29T12:02:00.000Z',
          ackedAt: '2026-11-29T12:01:00.000Z',
          cause: null,
        },
        { id: recent.id, node: 'stemedb-2', openedAt: '2026-11-30T12:00:00.000Z', resolvedAt: null, ackedAt: null, cause: null },
      ]);
      // Only the resolved incident older than the cutoff goes, with its events; the open one stays whatever its age.
      expect(await other.pruneResolvedBefore(at(10 * 86_400_000))).toEqual({ incidents: 1, events: 3 });
      expect(await other.get(old.id)).toBeUndefined();
      expect(await other.events(old.id)).toEqual([]);
      expect((await other.get(recent.id))?.status).toBe('open');
      expect(await other.pruneResolvedBefore(at(10 * 86_400_000))).toEqual({ incidents: 0, events: 0 });
    });
  });
}
