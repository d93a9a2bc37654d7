import { describe, expect, it } from 'vitest';
import type { DiagnosisResult } from '../../../src/diagnosis/types';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const run = (node: string, startedMs: number, cause: 'disk_full' | 'healthy' = 'disk_full'): DiagnosisResult => ({
  node,
  startedAt: at(startedMs).toISOString(),
  durationMs: 1200,
  errorRate: cause === 'healthy' ? 0 : 0.0312,
  verdict: {
    causes: [{ cause, evidence: cause === 'healthy' ? [] : ['/var/lib/stemedb 99% used'], lastSeenAt: null }],
    severity: cause === 'healthy' ? 'ok' : 'critical',
    summary: cause === 'healthy' ? 'healthy' : 'disk space exhausted',
    escalate: false,
    escalateReasons: [],
  },
  checks: [{ id: 'disk', status: cause === 'healthy' ? 'ok' : 'critical', summary: '99% used', durationMs: 40, data: { usedPct: 99 } }],
  recommendations: [{ title: 'Free disk space', steps: ['df -h'], action: 'compact' }],
});

/** The diagnosis repository: each run stored once, the node's newest, the one each incident shows, damage = none. */
export function diagnosesContract(factory: StoreFactory): void {
  describe(`diagnoses (${factory.name})`, () => {
    const { connect } = contractStore(factory);

    it("keeps a node's newest run (by its start): an older one recorded late does not replace it", async () => {
      const a = (await connect()).store.diagnoses;
      const b = (await connect()).store.diagnoses;
      const result = run('stemedb-1', 5000);
      await a.record('stemedb-1', at(6000), result);
      await b.record('stemedb-1', at(7000), run('stemedb-1', 1000, 'healthy'));
      expect(await b.latest('stemedb-1')).toEqual({ at: '2026-11-29T12:00:06.000Z', result });
      const newer = run('stemedb-1', 9000, 'healthy');
      await b.record('stemedb-1', at(9500), newer);
      expect(await a.latest('stemedb-1')).toEqual({ at: '2026-11-29T12:00:09.500Z', result: newer });
      expect(await a.latest('stemedb-9')).toBeUndefined();
    });

    it('an incident shows the run recorded for it; the run is stored once however many incidents show it', async () => {
      const connection = await connect();
      const { incidents, diagnoses } = connection.store;
      const one = (await incidents.openOrGet({ node: 'stemedb-1', title: 'one', source: 'manual' }, t0)).incident;
      const two = (await incidents.openOrGet({ node: 'stemedb-2', title: 'two', source: 'manual' }, t0)).incident;
      const result = run('stemedb-1', 5000);
      await diagnoses.record('stemedb-1', at(6000), result, one.id);
      await diagnoses.record('stemedb-1', at(8000), result, two.id);
      expect((await incidents.get(one.id))?.lastDiagnosis).toEqual(result);
      expect((await (await connect()).store.incidents.get(two.id))?.lastDiagnosis).toEqual(result);
      expect(await diagnoses.ofIncident(one.id)).toEqual({ at: '2026-11-29T12:00:06.000Z', result });
      expect((await incidents.openOfNode('stemedb-1')).map((i) => i.lastDiagnosis)).toEqual([result]);
      expect(await diagnoses.latest('stemedb-1')).toEqual({ at: '2026-11-29T12:00:06.000Z', result });
      // Runs no incident shows are pruned by age; a shown one stays.
      await diagnoses.record('stemedb-1', at(10_000), run('stemedb-1', 9000, 'healthy'));
      expect(await diagnoses.pruneBefore(at(60_000))).toBe(1);
      expect(await diagnoses.pruneBefore(at(60_000))).toBe(0);
      expect(await diagnoses.latest('stemedb-1')).toEqual({ at: '2026-11-29T12:00:06.000Z', result });
      expect(await diagnoses.ofIncident('inc-0000000000')).toBeUndefined();
    });

    it('a damaged row reads as "no diagnosis", never as a half-object', async () => {
      const connection = await connect();
      const { incidents, diagnoses } = connection.store;
      const incident = (await incidents.openOrGet({ node: 'stemedb-1', title: 'one', source: 'manual' }, t0)).incident;
      await diagnoses.record('stemedb-1', at(6000), run('stemedb-1', 5000), incident.id);
      await connection.corrupt('diagnoses', 'result_json', { column: 'node', value: 'stemedb-1' }, '{"node":"stemedb-1","verdict":{"causes":"half"}}');
      expect(await diagnoses.latest('stemedb-1')).toBeUndefined();
      expect(await diagnoses.ofIncident(incident.id)).toBeUndefined();
      expect((await incidents.get(incident.id))?.lastDiagnosis).toBeNull();
      await connection.corrupt('diagnoses', 'result_json', { column: 'node', value: 'stemedb-1' }, 'not json {');
      expect(await diagnoses.latest('stemedb-1')).toBeUndefined();
      expect((await incidents.get(incident.id))?.lastDiagnosis).toBeNull();
    });
  });
}
