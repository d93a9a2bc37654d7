/**
 * One replica of the lease failover bench (bench/failover-leases.ts): polls for due `page` items, "sends"
 * each (a row in bench_sends, stamped with the database clock: the far side of a page), then completes it
 * fenced by its lease. Killed and paused by the bench's chaos loop.
 */
import pg from 'pg';
import { WorkLeases } from '../src/store/postgres/work-leases';

const [url, owner, leaseMs, pollMs] = process.argv.slice(2) as [string, string, string, string];
const pool = new pg.Pool({ connectionString: url, max: 2 });
pool.on('error', () => undefined);
const leases = new WorkLeases(pool);
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

while (!stopping) {
  const batch = await leases.claimDue('page', owner, Number(leaseMs), 50).catch(() => []);
  await Promise.all(
    batch.map(async (item) => {
      // A page takes a while on the far side (Slack, PagerDuty): 100-300 ms, as the replica holds the lease.
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      await pool.query('INSERT INTO bench_sends (ref, owner, attempt, sent_at) VALUES ($1, $2, $3, clock_timestamp())', [item.ref, owner, item.attempt]);
      const ok = await leases.complete(item.id, owner, item.attempt);
      if (!ok) await pool.query('INSERT INTO bench_refused (ref, owner, attempt) VALUES ($1, $2, $3)', [item.ref, owner, item.attempt]);
    }),
  );
  if (batch.length < 50) await new Promise((r) => setTimeout(r, Number(pollMs)));
}
await pool.end();
