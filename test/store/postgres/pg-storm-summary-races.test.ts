import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertSummary } from '../../../src/alerts/alert-store';
import type { UnitOfWork } from '../../../src/app/repositories';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { postgresFactory } from '../contract/postgres-factory';
import { t0, useContractStore } from '../contract/use-contract-store';

const activeSince = new Date(t0.getTime() - 60_000);

/**
 * A webhook opens a storm's summary inside its transaction and keeps working until it commits; the webhooks
 * arriving meanwhile on other replicas must join that one summary, and must not line up behind each other.
 */
describe.runIf(requirePostgresOrSkip())('a storm summary opened by several webhooks at once (real PostgreSQL)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());
  const { connect } = useContractStore(postgresFactory(() => server));

  /** A webhook's transaction: takes the summary, reports it, then holds the transaction open until `release`. */
  function webhook(store: UnitOfWork, fail = false) {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let found!: (s: AlertSummary) => void;
    const summary = new Promise<AlertSummary>((r) => (found = r));
    const done = store.withTx(async (tx) => {
      found(await tx.alerts.summaryFor('DiskIOErrors', 'C1', t0, activeSince));
      await released;
      if (fail) throw new Error('this webhook gave up');
    });
    return { summary, release, done };
  }

  const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, sleep(ms).then(() => 'still waiting' as const)]);

  it("the waiters all join the opener's summary as soon as it commits, while each keeps its own transaction open", async () => {
    const stores = await Promise.all([connect(), connect(), connect()]).then((c) => c.map((x) => x.store));
    const opener = webhook(stores[0]!);
    const opened = await opener.summary;
    const waiters = [webhook(stores[1]!), webhook(stores[2]!)];
    // Not committed yet: nobody else can see the opener's summary, and nobody may open a second one.
    expect(await within(Promise.race(waiters.map((w) => w.summary)), 300)).toBe('still waiting');
    opener.release();
    await opener.done;
    // Both waiters get it while both still hold their transactions: queueing for the opener's lock, the first
    // to get it would hold it to its own commit, and the second would still be waiting here.
    const joined = await within(Promise.all(waiters.map((w) => w.summary)), 5_000);
    for (const w of waiters) w.release();
    await Promise.all(waiters.map((w) => w.done));
    expect(joined).not.toBe('still waiting');
    expect((joined as AlertSummary[]).map((s) => s.id)).toEqual([opened.id, opened.id]);
  });

  it("when the opener's transaction rolls back, a waiter opens the summary itself: one summary, never none", async () => {
    const [a, b] = await Promise.all([connect(), connect()]).then((c) => c.map((x) => x.store));
    const opener = webhook(a!, true);
    const lost = await opener.summary;
    const waiter = webhook(b!);
    opener.release();
    await expect(opener.done).rejects.toThrow('gave up');
    const own = await within(waiter.summary, 5_000);
    waiter.release();
    await waiter.done;
    expect(own).not.toBe('still waiting');
    expect((own as AlertSummary).id).not.toBe(lost.id);
    expect(await a!.alerts.summary(lost.id)).toBeUndefined();
    expect(await a!.alerts.summaryFor('DiskIOErrors', 'C1', t0, activeSince)).toMatchObject({ id: (own as AlertSummary).id });
  });
});
