import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertSummary } from '../../../src/alerts/alert-store';
import type { UnitOfWork } from '../../../src/app/repositories';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import type { PgSession } from '../../../src/store/postgres/pg-session';
import { postgresFactory } from '../contract/postgres-factory';
import type { StoreConnection } from '../contract/store-factory';
import { t0, useContractStore } from '../contract/use-contract-store';

const activeSince = new Date(t0.getTime() - 60_000);

function rawSession(connection: StoreConnection): PgSession {
  const raw = connection.raw;
  if (raw?.kind !== 'postgres') throw new Error('a PostgreSQL store was expected');
  return raw.session;
}

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

  /** Resolves once `n` transactions wait for an advisory lock (the server's own view, not a guess by time). */
  async function waitingForLock(session: PgSession, n: number): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const row = await session.one<{ n: number }>("SELECT COUNT(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      if (row!.n >= n) return;
      await sleep(10);
    }
    throw new Error(`${n} transaction(s) never waited for the summary's lock`);
  }

  it("the waiters all join the opener's summary as soon as it commits, while each keeps its own transaction open", async () => {
    const connections = await Promise.all([connect(), connect(), connect()]);
    const stores = connections.map((c) => c.store);
    const opener = webhook(stores[0]!);
    const opened = await opener.summary;
    const waiters = [webhook(stores[1]!), webhook(stores[2]!)];
    // Not committed yet: nobody else can see the opener's summary, and nobody may open a second one.
    await waitingForLock(rawSession(connections[0]!), 2);
    expect(await within(Promise.race(waiters.map((w) => w.summary)), 0)).toBe('still waiting');
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
    const connections = await Promise.all([connect(), connect()]);
    const [a, b] = connections.map((c) => c.store);
    const opener = webhook(a!, true);
    const lost = await opener.summary;
    const waiter = webhook(b!);
    await waitingForLock(rawSession(connections[0]!), 1);
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

  it('two waiters of an opener that rolled back: one opens the summary, the other joins it (one summary)', async () => {
    const connections = await Promise.all([connect(), connect(), connect()]);
    const [a, b, c] = connections.map((x) => x.store);
    const opener = webhook(a!, true);
    await opener.summary;
    const waiters = [webhook(b!), webhook(c!)];
    await waitingForLock(rawSession(connections[0]!), 2);
    // Each commits as soon as it has its summary: the loser of the race PostgreSQL ends as a deadlock runs its
    // transaction again and must find the winner's.
    for (const w of waiters) void w.summary.then(() => w.release());
    opener.release();
    await expect(opener.done).rejects.toThrow('gave up');
    const [first, second] = await Promise.all(waiters.map((w) => w.summary));
    await Promise.all(waiters.map((w) => w.done));
    expect(second!.id).toBe(first!.id);
    expect(await a!.alerts.summaryFor('DiskIOErrors', 'C1', t0, activeSince)).toMatchObject({ id: first!.id });
  });
});
