import { describe, expect, it } from 'vitest';
import type { NodeFigures } from '../../../src/reports/weekly-figures';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

const t0 = new Date('2026-11-30T09:00:00Z');

const figures = (node: string, sstFiles: number | null): NodeFigures => ({
  node,
  sstFiles,
  totalBytes: sstFiles === null ? null : sstFiles * 1e6,
  pendingBytes: 5e8,
  writeAmplification: sstFiles === null ? null : 3.5,
  diskFreeFraction: 0.42,
  unavailable: sstFiles === null ? ['storage stats: connect ECONNREFUSED'] : [],
});

/** The report store contract: one claim per period across processes, the posted figures as next week's baseline. */
export function reportsContract(factory: StoreFactory): void {
  describe(`reports (${factory.name})`, () => {
    const { connect } = contractStore(factory);

    it('a period is claimed once, by whichever connection comes first, also when they race', async () => {
      const a = (await connect()).store.reports;
      const b = (await connect()).store.reports;
      expect(await a.claim('weekly', '2026-11-30', t0, 'pid-1')).toBe(true);
      expect(await b.claim('weekly', '2026-11-30', t0, 'pid-2')).toBe(false);
      expect(await b.claim('adhoc', '2026-11-30', t0, 'pid-2')).toBe(true);
      const raced = await Promise.all([
        a.claim('weekly', '2026-12-07', t0, 'pid-1'),
        b.claim('weekly', '2026-12-07', t0, 'pid-2'),
        b.claim('weekly', '2026-12-07', t0, 'pid-3'),
      ]);
      expect(raced.filter(Boolean)).toHaveLength(1);
    });

    it('release gives back an unposted claim only', async () => {
      const repo = (await connect()).store.reports;
      await repo.claim('weekly', '2026-11-30', t0, 'pid-1');
      await repo.release('weekly', '2026-11-30');
      expect(await repo.claim('weekly', '2026-11-30', t0, 'pid-2')).toBe(true);
      await repo.posted('weekly', '2026-11-30', t0, [figures('stemedb-1', 400)]);
      await repo.release('weekly', '2026-11-30');
      expect(await repo.claim('weekly', '2026-11-30', t0, 'pid-3')).toBe(false);
    });

    it('previous() gives the latest posted period before the one asked, with its figures as posted', async () => {
      const a = (await connect()).store.reports;
      expect(await a.previous('weekly')).toBeUndefined();
      for (const [period, sst] of [
        ['2026-11-16', 100],
        ['2026-11-23', 200],
        ['2026-11-30', 300],
      ] as const) {
        await a.claim('weekly', period, t0, 'pid-1');
        await a.posted('weekly', period, t0, [figures('stemedb-1', sst), figures('stemedb-2', null)]);
      }
      await a.claim('weekly', '2026-12-07', t0, 'pid-1'); // claimed, never posted: not a baseline
      const b = (await connect()).store.reports;
      const latest = await b.previous('weekly');
      expect(latest?.period).toBe('2026-11-30');
      expect(latest?.figures).toEqual(
        new Map([
          ['stemedb-1', figures('stemedb-1', 300)],
          ['stemedb-2', figures('stemedb-2', null)],
        ]),
      );
      expect((await b.previous('weekly', '2026-11-30'))?.period).toBe('2026-11-23');
      expect((await b.previous('weekly', '2026-11-24'))?.figures.get('stemedb-1')?.sstFiles).toBe(200);
      expect(await b.previous('weekly', '2026-11-16')).toBeUndefined();
      expect(await b.previous('monthly')).toBeUndefined();
      // Posting a period again replaces its figures node by node.
      await b.posted('weekly', '2026-11-30', t0, [figures('stemedb-1', 310)]);
      expect((await a.previous('weekly'))?.figures).toEqual(
        new Map([
          ['stemedb-1', figures('stemedb-1', 310)],
          ['stemedb-2', figures('stemedb-2', null)],
        ]),
      );
    });

    it('damaged stored figures are an error, never a half-baseline', async () => {
      const connection = await connect();
      const repo = connection.store.reports;
      await repo.claim('weekly', '2026-11-30', t0, 'pid-1');
      await repo.posted('weekly', '2026-11-30', t0, [figures('stemedb-1', 300)]);
      await connection.corrupt('report_figures', 'figures_json', { column: 'node', value: 'stemedb-1' }, '{"node": "stemedb-1", "sstFiles": 3');
      await expect(repo.previous('weekly')).rejects.toThrow();
    });
  });
}
