import { describe, expect, it } from 'vitest';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

const t0 = new Date('2026-11-29T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/** The audit log contract: every action and refusal, numbered in order, finished later. */
export function auditContract(factory: StoreFactory): void {
  describe(`audit log (${factory.name})`, () => {
    const { connect } = contractStore(factory);

    it('records entries with increasing numeric ids; recent() is newest first, in the same shape everywhere', async () => {
      const audit = (await connect()).store.audit;
      const first = await audit.record(
        { actor: 'U1', action: 'compact', outcome: 'started', node: 'stemedb-1', incidentId: 'inc-1', detail: { force: true } },
        t0,
      );
      const second = await audit.record({ actor: 'bot', action: 'escalate', outcome: 'refused' }, at(1000));
      expect(typeof first).toBe('number');
      expect(second).toBeGreaterThan(first);
      const other = (await connect()).store.audit;
      expect(await other.recent(10)).toEqual([
        {
          id: second,
          at: '2026-11-29T12:00:01.000Z',
          actor: 'bot',
          action: 'escalate',
          node: null,
          incidentId: null,
          outcome: 'refused',
          durationMs: null,
          detail: {},
        },
        {
          id: first,
          at: '2026-11-29T12:00:00.000Z',
          actor: 'U1',
          action: 'compact',
          node: 'stemedb-1',
          incidentId: 'inc-1',
          outcome: 'started',
          durationMs: null,
          detail: { force: true },
        },
      ]);
      expect((await other.recent(1)).map((e) => e.id)).toEqual([second]);
    });

    it('finish() sets the outcome and duration; its detail replaces the old one, no detail keeps it', async () => {
      const audit = (await connect()).store.audit;
      const a = await audit.record({ actor: 'U1', action: 'compact', outcome: 'started', detail: { force: false, before: { sstFiles: 400 } } }, t0);
      const b = await audit.record({ actor: 'U1', action: 'compact', outcome: 'started', detail: { keep: 'me' } }, t0);
      await audit.finish(a, 'succeeded', 61_250, { after: { sstFiles: 12 } });
      await audit.finish(b, 'failed', null);
      const byId = new Map((await audit.recent(10)).map((e) => [e.id, e]));
      expect(byId.get(a)).toMatchObject({ outcome: 'succeeded', durationMs: 61_250, detail: { after: { sstFiles: 12 } } });
      expect(byId.get(a)!.detail).not.toHaveProperty('before');
      expect(byId.get(b)).toMatchObject({ outcome: 'failed', durationMs: null, detail: { keep: 'me' } });
    });

    it('two connections recording at once get distinct ids and lose nothing', async () => {
      const a = (await connect()).store.audit;
      const b = (await connect()).store.audit;
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).record({ actor: `U${i}`, action: 'ack', outcome: 'succeeded' }, at(i))),
      );
      expect(new Set(ids).size).toBe(20);
      expect((await a.recent(50)).map((e) => e.id).sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
    });

    it('a damaged detail is an error, never a half-entry', async () => {
      const connection = await connect();
      const id = await connection.store.audit.record({ actor: 'U1', action: 'compact', outcome: 'started' }, t0);
      await connection.corrupt('audit_log', 'detail_json', { column: 'id', value: id }, '{"force": tr');
      await expect(connection.store.audit.recent(5)).rejects.toThrow();
    });

    it('pruneBefore() removes entries older than the cutoff, and only those', async () => {
      const audit = (await connect()).store.audit;
      await audit.record({ actor: 'U1', action: 'compact', outcome: 'ok' }, t0);
      const kept = await audit.record({ actor: 'U2', action: 'ack', outcome: 'ok' }, at(86_400_000));
      const other = (await connect()).store.audit;
      expect(await other.pruneBefore(at(1000))).toBe(1);
      expect((await other.recent(10)).map((e) => e.id)).toEqual([kept]);
    });
  });
}
