import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../../src/store/postgres/migrate-postgres';
import { WorkLeases } from '../../../src/store/postgres/work-leases';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { freshDatabase } from './pg-test-db';

/** Claims again until something comes back: only a lower bound on time matters (the lease must run out). */
async function claimWhenExpired(leases: WorkLeases, owner: string, leaseMs: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await leases.claimDue('outbox', owner, leaseMs, 10);
    if (got.length > 0 || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.runIf(requirePostgresOrSkip())('leased work items (real PostgreSQL, several clients)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it('never hands one item to two replicas: 5 clients drain 1,000 items, each claimed and completed once', async () => {
    const db = await freshDatabase(server, 'lease_drain');
    const setup = db.pool();
    await migratePostgres(setup);
    const total = 1_000;
    await setup.query(`INSERT INTO work_items (kind, ref, due_at) SELECT 'outbox', g::text, now() FROM generate_series(1, $1) g`, [total]);
    const claims = new Map<string, string[]>();
    let refused = 0;
    const started = performance.now();
    await Promise.all(
      ['r1', 'r2', 'r3', 'r4', 'r5'].map(async (owner) => {
        const leases = new WorkLeases(db.pool(2));
        for (;;) {
          const batch = await leases.claimDue('outbox', owner, 30_000, 10);
          if (batch.length === 0) return;
          for (const item of batch) {
            claims.set(item.ref, [...(claims.get(item.ref) ?? []), owner]);
            if (!(await leases.complete(item.id, owner, item.attempt))) refused++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(claims.size).toBe(total);
    expect([...claims.values()].filter((owners) => owners.length !== 1)).toEqual([]);
    expect(refused).toBe(0);
    expect(new Set([...claims.values()].flat()).size).toBeGreaterThan(1); // the work was really shared
    const { rows } = await setup.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_items WHERE status = 'done' AND attempt = 1`);
    expect(rows[0]!.n).toBe(total);
    console.log(`[figures] ${total} items claimed+completed by 5 clients in ${seconds.toFixed(2)} s: ${Math.round(total / seconds)} items/s`);
    await db.close();
  }, 30_000);

  it("takes over an expired lease (attempt + 1) and refuses the stale owner's completion and extension", async () => {
    const db = await freshDatabase(server, 'lease_takeover');
    const pool = db.pool();
    await migratePostgres(pool);
    const a = new WorkLeases(db.pool());
    const b = new WorkLeases(db.pool());
    expect(await a.enqueue('outbox', '42', { payload: { to: 'U1' } })).toBe(true);
    const [held] = await a.claimDue('outbox', 'replica-a', 300, 10);
    expect(held).toMatchObject({ ref: '42', attempt: 1, takeover: false, payload: { to: 'U1' } });
    expect(await b.claimDue('outbox', 'replica-b', 300, 10)).toEqual([]); // still leased
    const [taken] = await claimWhenExpired(b, 'replica-b', 30_000);
    expect(taken).toMatchObject({ id: held!.id, attempt: 2, takeover: true, owner: 'replica-b' });
    expect(taken!.dueAt.getTime()).toBe(held!.dueAt.getTime());
    expect(await a.complete(held!.id, 'replica-a', 1)).toBe(false);
    expect(await a.extend(held!.id, 'replica-a', 1, 60_000)).toBe(false);
    expect(await b.extend(taken!.id, 'replica-b', 2, 60_000)).toBe(true);
    expect(await b.complete(taken!.id, 'replica-b', 2)).toBe(true);
    expect(await b.complete(taken!.id, 'replica-b', 2)).toBe(false); // done once
    const { rows } = await pool.query(`SELECT status, owner, attempt, takeovers FROM work_items WHERE id = $1`, [held!.id]);
    expect(rows[0]).toEqual({ status: 'done', owner: 'replica-b', attempt: 2, takeovers: 1 });
    await db.close();
  }, 20_000);

  it('takes work from a SIGSTOPped replica process; its completion after SIGCONT is refused', async () => {
    const db = await freshDatabase(server, 'lease_sigstop');
    const pool = db.pool();
    await migratePostgres(pool);
    const leases = new WorkLeases(pool);
    await leases.enqueue('outbox', 'page-7');
    const leaseMs = 500;
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lease-worker.ts'), db.url, 'paused-replica', String(leaseMs)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = JSON.parse((await lines.next()).value as string) as { claimed: { id: string; attempt: number; leaseUntil: number }[] };
    expect(first.claimed).toHaveLength(1);
    child.kill('SIGSTOP');
    const [taken] = await claimWhenExpired(leases, 'healthy-replica', 30_000);
    expect(taken).toMatchObject({ attempt: 2, takeover: true });
    expect(await leases.complete(taken!.id, 'healthy-replica', 2)).toBe(true);
    child.kill('SIGCONT');
    child.stdin!.write('complete\n');
    const second = JSON.parse((await lines.next()).value as string) as { completed: boolean[] };
    expect(second.completed).toEqual([false]);
    await new Promise((r) => child.once('exit', r));
    // Both times are the database's: the new lease began 30 s before its end; the old one ended at leaseUntil.
    const takeoverMs = taken!.leaseUntil.getTime() - 30_000 - first.claimed[0]!.leaseUntil;
    expect(takeoverMs).toBeGreaterThanOrEqual(0);
    console.log(`[figures] work of a SIGSTOPped replica taken over ${takeoverMs} ms after its ${leaseMs} ms lease ran out (claims polled every 10 ms)`);
    await db.close();
  }, 30_000);

  it('enqueues one pending item per domain row, even when three replicas enqueue it at once', async () => {
    const db = await freshDatabase(server, 'lease_enqueue');
    const setup = db.pool();
    await migratePostgres(setup);
    const results = await Promise.all([db.pool(), db.pool(), db.pool()].map((p) => new WorkLeases(p).enqueue('escalation_step', 'INC-1.e1')));
    expect(results.filter(Boolean)).toHaveLength(1);
    const leases = new WorkLeases(setup);
    const [item] = await leases.claimDue('escalation_step', 'r1', 10_000, 10);
    expect(await leases.complete(item!.id, 'r1', item!.attempt)).toBe(true);
    expect(await leases.enqueue('escalation_step', 'INC-1.e1')).toBe(true); // the next step of the same row
    await db.close();
  });

  it('releases a failed attempt to run again later (database time), keeping the error', async () => {
    const db = await freshDatabase(server, 'lease_release');
    const pool = db.pool();
    await migratePostgres(pool);
    const leases = new WorkLeases(pool);
    await leases.enqueue('outbox', '1');
    await leases.enqueue('outbox', '2', { delayMs: 3_600_000 });
    const got = await leases.claimDue('outbox', 'r1', 10_000, 10);
    expect(got.map((g) => g.ref)).toEqual(['1']); // the item due in an hour is not due
    expect(await leases.release(got[0]!.id, 'r2', got[0]!.attempt, 0, 'not mine')).toBe(false);
    expect(await leases.release(got[0]!.id, 'r1', got[0]!.attempt, 3_600_000, 'Slack 503')).toBe(true);
    expect(await leases.claimDue('outbox', 'r1', 10_000, 10)).toEqual([]);
    const { rows } = await pool.query(`SELECT owner, last_error, due_at > now() + interval '59 minutes' AS later FROM work_items WHERE ref = '1'`);
    expect(rows[0]).toEqual({ owner: null, last_error: 'Slack 503', later: true });
    expect(await leases.stats('r1')).toEqual({ leasesHeld: 0, overdue: 0, takeovers: 0 });
    await db.close();
  });
});
