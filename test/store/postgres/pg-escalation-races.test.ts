import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitOfWork } from '../../../src/app/repositories';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { newEscalation } from '../contract/escalations-contract';
import { postgresFactory } from '../contract/postgres-factory';
import { openIncident, t0, useContractStore } from '../contract/use-contract-store';

/**
 * Decisions that span several store calls in one `withTx` on two replicas (SQLite has one process, whose
 * IMMEDIATE transactions never overlap, so these races exist only here). The first replica pauses inside its
 * transaction, so without the locks the second would read the same state and decide the same thing.
 */
describe.runIf(requirePostgresOrSkip())('escalation decisions racing on two replicas (real PostgreSQL)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());
  const { connect } = useContractStore(postgresFactory(() => server));

  it('"escalate unless one is active": one replica creates, the other finds it (no duplicate, no error)', async () => {
    const a = (await connect()).store;
    const b = (await connect()).store;
    const incidentId = await openIncident(a, 'stemedb-1', 1);
    const escalate = (store: UnitOfWork, pauseMs: number) =>
      store.withTx(async (tx) => {
        if (await tx.escalations.active(incidentId)) return 'found';
        await sleep(pauseMs);
        await tx.escalations.create(newEscalation(incidentId));
        return 'created';
      });
    const first = escalate(a, 150);
    await sleep(30);
    const outcomes = await Promise.all([first, escalate(b, 0)]);
    expect(outcomes).toEqual(['created', 'found']);
    expect(await a.escalations.ofIncident(incidentId)).toHaveLength(1);
  });

  it('two ticks holding the same token: only the first saves, the second finds its token stale', async () => {
    const a = (await connect()).store;
    const b = (await connect()).store;
    const created = await a.escalations.create(newEscalation(await openIncident(a, 'stemedb-1', 1)));
    const tick = (store: UnitOfWork, pauseMs: number) =>
      store.withTx(async (tx) => {
        const e = await tx.escalations.get(created.id);
        if (e?.token !== created.token) return 'stale';
        await sleep(pauseMs);
        await tx.escalations.save(created.id, { ...e.state, stepIndex: e.state.stepIndex + 1, nextDueAt: t0.getTime() + 300_000 });
        return 'saved';
      });
    const first = tick(a, 150);
    await sleep(30);
    expect(await Promise.all([first, tick(b, 0)])).toEqual(['saved', 'stale']);
    expect((await b.escalations.get(created.id))?.state.stepIndex).toBe(created.state.stepIndex + 1);
  });
});
