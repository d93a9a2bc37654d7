import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../../src/store/postgres/migrate-postgres';
import { PeriodicDuties } from '../../../src/store/postgres/periodic-duties';
import { pgDutyClaims } from '../../../src/store/postgres/pg-duty-claims';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { freshDatabase } from './pg-test-db';

describe.runIf(requirePostgresOrSkip())('periodic duties once per period across replicas (real PostgreSQL)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it('runs the auditor once per period while 3 replicas tick every 20 ms for 8 periods', async () => {
    const db = await freshDatabase(server, 'duty_once');
    await migratePostgres(db.pool());
    const periodMs = 250;
    const runs: { period: string; owner: string }[] = [];
    const until = Date.now() + 8 * periodMs;
    await Promise.all(
      ['r1', 'r2', 'r3'].map(async (owner) => {
        const duties = new PeriodicDuties(db.pool(2));
        while (Date.now() < until) {
          const claim = await duties.claim('auditor', periodMs, owner, 60_000);
          if (claim) {
            runs.push({ period: claim.period, owner });
            expect(await duties.finish(claim)).toBe(true);
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    const perPeriod = new Map<string, number>();
    for (const r of runs) perPeriod.set(r.period, (perPeriod.get(r.period) ?? 0) + 1);
    // At least half the periods ran (a loaded CI machine may stall a tick past a whole period), each once.
    expect(perPeriod.size).toBeGreaterThanOrEqual(4);
    expect([...perPeriod.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(new Set(runs.map((r) => r.owner)).size).toBeGreaterThan(1); // not one replica's private schedule
    await db.close();
  }, 20_000);

  it('lets another replica take over a period whose claimant died before finishing, once', async () => {
    const db = await freshDatabase(server, 'duty_takeover');
    await migratePostgres(db.pool());
    const [a, b, c] = [new PeriodicDuties(db.pool()), new PeriodicDuties(db.pool()), new PeriodicDuties(db.pool())];
    const hour = 3_600_000;
    const first = await a.claim('chain_check', hour, 'replica-a', 200);
    expect(first).toMatchObject({ attempt: 1, takeover: false });
    expect(await b.claim('chain_check', hour, 'replica-b', 200)).toBeUndefined();
    let second: Awaited<ReturnType<typeof b.claim>>;
    for (const deadline = Date.now() + 10_000; !second && Date.now() < deadline; ) {
      second = await b.claim('chain_check', hour, 'replica-b', 60_000);
      if (!second) await new Promise((r) => setTimeout(r, 20));
    }
    expect(second).toMatchObject({ period: first!.period, attempt: 2, takeover: true });
    expect(await a.finish(first!)).toBe(false);
    expect(await b.finish(second!)).toBe(true);
    expect(await c.claim('chain_check', hour, 'replica-c', 200)).toBeUndefined();
    await db.close();
  }, 20_000);

  it('pgDutyClaims: one replica gets the period; a claimant that never finishes is taken over after its lease; old periods are pruned', async () => {
    const db = await freshDatabase(server, 'duty_claims');
    await migratePostgres(db.pool());
    const a = pgDutyClaims(db.pool(2), 'replica-a');
    const b = pgDutyClaims(db.pool(2), 'replica-b');
    const day = 86_400_000;
    const [ta, tb] = await Promise.all([a.claim('retention', day, 200), b.claim('retention', day, 200)]);
    const won = ta ?? tb;
    expect([ta, tb].filter(Boolean)).toHaveLength(1);
    // The winner "dies" without finishing: the other asks again after the lease and takes the period over.
    const loser = ta ? b : a;
    expect(await loser.claim('retention', day, 200)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    const taken = await loser.claim('retention', day, 60_000);
    expect(taken).toMatchObject({ period: won!.period, takeover: true });
    expect(await won!.finish()).toBe(false); // its late finish is refused
    await db.pool(1).query("INSERT INTO periodic_runs (duty, period, owner, lease_until) VALUES ('retention', $1::bigint - 1000, 'old', now())", [won!.period]);
    expect(await taken!.finish()).toBe(true);
    expect(await a.claim('retention', day, 200)).toBeUndefined(); // finished: nobody runs it again this period
    const { rows } = await db.pool(1).query<{ period: string }>("SELECT period::text FROM periodic_runs WHERE duty = 'retention'");
    expect(rows.map((r) => r.period)).toEqual([won!.period]);
    await db.close();
  });
});
